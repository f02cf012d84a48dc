/* thread_pool.c: see thread_pool.h. Workers sleep on a condition variable; a call
 * publishes (fn, arg, count) with a new generation number, runs index 0 itself, then
 * waits until the workers it woke have reported. */
#include "thread_pool.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct ss__pool {
    pthread_mutex_t lock;    /* guards everything below */
    pthread_cond_t wake;     /* a new generation was published */
    pthread_cond_t done;     /* a worker finished its index */
    pthread_mutex_t running; /* held by the caller whose loop is on the pool */
    pthread_t th[SS_POOL_MAX];
    int nworkers; /* worker w runs index w + 1 */
    unsigned long generation;
    ss_pool_fn fn;
    void *arg;
    int count, served, pending; /* indices asked for; of those, on workers + 1; still running */
} ss__pool;

static ss__pool ss__p = {.lock = PTHREAD_MUTEX_INITIALIZER,
                         .wake = PTHREAD_COND_INITIALIZER,
                         .done = PTHREAD_COND_INITIALIZER,
                         .running = PTHREAD_MUTEX_INITIALIZER};

typedef struct ss__worker_arg {
    int index;
    unsigned long seen; /* the generation before the one the worker was started for */
} ss__worker_arg;

static ss__worker_arg ss__wargs[SS_POOL_MAX];

static void *ss__worker(void *varg)
{
    const int index = ((ss__worker_arg *)varg)->index;
    ss__pool *P = &ss__p;
    pthread_mutex_lock(&P->lock);
    /* not P->generation: the call that started this worker has published its generation
       before the worker gets the lock */
    unsigned long seen = ((ss__worker_arg *)varg)->seen;
    for (;;) {
        while (P->generation == seen) pthread_cond_wait(&P->wake, &P->lock);
        seen = P->generation;
        if (index >= P->served) continue; /* not needed this time */
        ss_pool_fn fn = P->fn;
        void *arg = P->arg;
        int count = P->count;
        pthread_mutex_unlock(&P->lock);
        fn(arg, index, count);
        pthread_mutex_lock(&P->lock);
        if (--P->pending == 0) pthread_cond_signal(&P->done);
    }
    return NULL;
}

/* Threads of its own for one call (the pool is busy with another caller's loop). */
typedef struct ss__own {
    ss_pool_fn fn;
    void *arg;
    int index, count;
} ss__own;

static void *ss__own_run(void *varg)
{
    ss__own *o = varg;
    o->fn(o->arg, o->index, o->count);
    return NULL;
}

static void ss__run_own_threads(int count, ss_pool_fn fn, void *arg)
{
    ss__own jobs[SS_POOL_MAX];
    pthread_t th[SS_POOL_MAX];
    bool started[SS_POOL_MAX] = {false};
    for (int i = 0; i < count; i++) {
        jobs[i] = (ss__own){fn, arg, i, count};
        started[i] = i > 0 && pthread_create(&th[i], NULL, ss__own_run, &jobs[i]) == 0;
    }
    for (int i = 0; i < count; i++)
        if (!started[i]) fn(arg, i, count); /* index 0, and any whose thread did not start */
    for (int i = 1; i < count; i++)
        if (started[i]) pthread_join(th[i], NULL);
}

void ss_pool_run(int count, ss_pool_fn fn, void *arg)
{
    if (count < 1) count = 1;
    if (count > SS_POOL_MAX) count = SS_POOL_MAX;
    if (count == 1) {
        fn(arg, 0, 1);
        return;
    }
    ss__pool *P = &ss__p;
    if (pthread_mutex_trylock(&P->running) != 0) {
        ss__run_own_threads(count, fn, arg);
        return;
    }
    pthread_mutex_lock(&P->lock);
    while (P->nworkers < count - 1) {
        int w = P->nworkers;
        ss__wargs[w].index = w + 1;
        ss__wargs[w].seen = P->generation;
        if (pthread_create(&P->th[w], NULL, ss__worker, &ss__wargs[w]) != 0) break;
        pthread_detach(P->th[w]);
        P->nworkers++;
    }
    int served = P->nworkers + 1 < count ? P->nworkers + 1 : count; /* indices the workers cover */
    P->fn = fn;
    P->arg = arg;
    P->count = count;
    P->served = served;
    P->pending = served - 1;
    P->generation++;
    pthread_cond_broadcast(&P->wake);
    pthread_mutex_unlock(&P->lock);
    /* index 0 here; indices no worker could be started for too, each called with the
       count the caller asked for so that the shares stay the same */
    fn(arg, 0, count);
    for (int i = served; i < count; i++) fn(arg, i, count);
    pthread_mutex_lock(&P->lock);
    while (P->pending > 0) pthread_cond_wait(&P->done, &P->lock);
    pthread_mutex_unlock(&P->lock);
    pthread_mutex_unlock(&P->running);
}

int ss_pool_workers(void)
{
    pthread_mutex_lock(&ss__p.lock);
    int n = ss__p.nworkers;
    pthread_mutex_unlock(&ss__p.lock);
    return n;
}
