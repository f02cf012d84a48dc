/* thread_pool.h: the process's persistent worker threads, for the data-parallel loops
 * of the engine (B-mode lines, volume slabs, texture rows).
 *
 * ss_pool_run(count, fn, arg) calls fn(arg, i, count) once for every i in [0, count):
 * i = 0 on the calling thread, the others on workers that are started the first time
 * they are needed and then wait for the next call (a B-mode frame makes three calls;
 * creating and joining threads for each cost the trainer ~0.1-0.3 ms a call and jitter).
 * It returns when every call has returned. Which thread runs which index does not
 * matter to the result: each index owns its share of the output.
 *
 * One loop runs on the pool at a time; a second caller meanwhile (another thread
 * rendering at the same moment) gets threads of its own for that call, as before the
 * pool. A worker that cannot be started leaves its indices to the calling thread.
 * Nothing here knows what the work is.
 */
#ifndef SS_THREAD_POOL_H
#define SS_THREAD_POOL_H

#define SS_POOL_MAX 64 /* indices per call at most (more are clamped by the callers) */

typedef void (*ss_pool_fn)(void *arg, int index, int count);

/* Runs fn(arg, i, count) for i = 0 .. count - 1 (count clamped to [1, SS_POOL_MAX]). */
void ss_pool_run(int count, ss_pool_fn fn, void *arg);

/* Workers started so far (tests, diagnostics). */
int ss_pool_workers(void);

#endif
