/* test_thread_pool.c: the engine's persistent worker threads (thread_pool.h). Every
 * index of a call is run exactly once with the count asked for; workers are started once
 * and reused; two callers at the same moment and a call made from inside a call (the
 * tissue volume's slabs build the texture atlas on first use) both complete. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "thread_pool.h"

typedef struct tally {
    atomic_int hits[SS_POOL_MAX];
    atomic_int bad_count; /* calls that saw a count other than the one asked for */
    int expect_count;
} tally;

static void count_hit(void *arg, int index, int count)
{
    tally *t = arg;
    if (count != t->expect_count) atomic_fetch_add(&t->bad_count, 1);
    atomic_fetch_add(&t->hits[index], 1);
}

static void tally_reset(tally *t, int count)
{
    for (int i = 0; i < SS_POOL_MAX; i++) atomic_store(&t->hits[i], 0);
    atomic_store(&t->bad_count, 0);
    t->expect_count = count;
}

/* every index in [0, count) once, none outside */
static void assert_each_once(tally *t, int count, int run)
{
    cr_assert_eq(atomic_load(&t->bad_count), 0, "run %d: a share saw another count than %d", run, count);
    for (int i = 0; i < SS_POOL_MAX; i++)
        cr_assert_eq(atomic_load(&t->hits[i]), i < count ? 1 : 0, "run %d (count %d): index %d ran %d times", run,
                     count, i, atomic_load(&t->hits[i]));
}

Test(thread_pool, every_index_runs_once_per_call_over_many_calls)
{
    static tally t;
    /* counts go up and down so that workers not needed by a call must sit it out */
    const int counts[] = {2, 8, 3, 1, 16, 2, 5, 8, 4, 7};
    for (int run = 0; run < 2000; run++) {
        int n = counts[run % 10];
        tally_reset(&t, n);
        ss_pool_run(n, count_hit, &t);
        assert_each_once(&t, n, run);
    }
}

Test(thread_pool, counts_out_of_range_are_clamped)
{
    static tally t;
    tally_reset(&t, 1);
    ss_pool_run(0, count_hit, &t);
    assert_each_once(&t, 1, 0);
    tally_reset(&t, 1);
    ss_pool_run(-5, count_hit, &t);
    assert_each_once(&t, 1, 1);
    tally_reset(&t, SS_POOL_MAX);
    ss_pool_run(SS_POOL_MAX + 10, count_hit, &t);
    assert_each_once(&t, SS_POOL_MAX, 2);
}

Test(thread_pool, workers_are_started_once_and_reused)
{
    static tally t;
    tally_reset(&t, 6);
    ss_pool_run(6, count_hit, &t);
    int after_first = ss_pool_workers();
    /* this process's pool may have served other tests first (Criterion runs each test in
       its own process, so it has not): at least count - 1 workers now */
    cr_assert_geq(after_first, 5);
    for (int run = 0; run < 500; run++) {
        tally_reset(&t, 6);
        ss_pool_run(6, count_hit, &t);
        assert_each_once(&t, 6, run);
    }
    cr_assert_eq(ss_pool_workers(), after_first, "no worker is started for a call the pool already covers");
}

/* A call made from inside a share: the inner loop must not wait for the pool its own
   caller holds. */
typedef struct nest {
    tally outer;
    tally inner[SS_POOL_MAX];
} nest;

static void inner_share(void *arg, int index, int count)
{
    count_hit(arg, index, count);
}

static void outer_share(void *arg, int index, int count)
{
    nest *n = arg;
    count_hit(&n->outer, index, count);
    ss_pool_run(3, inner_share, &n->inner[index]);
}

Test(thread_pool, a_call_from_inside_a_share_completes)
{
    static nest n;
    for (int run = 0; run < 200; run++) {
        tally_reset(&n.outer, 4);
        for (int i = 0; i < 4; i++) tally_reset(&n.inner[i], 3);
        ss_pool_run(4, outer_share, &n);
        assert_each_once(&n.outer, 4, run);
        for (int i = 0; i < 4; i++) assert_each_once(&n.inner[i], 3, run);
    }
}

/* Two threads rendering at once (the trainer's B-mode worker and a snapshot): each
   caller's loop runs whole, on the pool or on threads of its own. */
typedef struct caller {
    tally t;
    int count, failures;
} caller;

static void *caller_main(void *arg)
{
    caller *c = arg;
    for (int run = 0; run < 300; run++) {
        tally_reset(&c->t, c->count);
        ss_pool_run(c->count, count_hit, &c->t);
        bool ok = atomic_load(&c->t.bad_count) == 0;
        for (int i = 0; i < SS_POOL_MAX; i++) ok = ok && atomic_load(&c->t.hits[i]) == (i < c->count ? 1 : 0);
        if (!ok) c->failures++;
    }
    return NULL;
}

Test(thread_pool, concurrent_callers_each_get_their_whole_loop)
{
    static caller cs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        memset(&cs[i], 0, sizeof cs[i]);
        cs[i].count = 2 + i * 3;
        cr_assert_eq(pthread_create(&th[i], NULL, caller_main, &cs[i]), 0);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) cr_assert_eq(cs[i].failures, 0, "caller %d: %d of 300 calls incomplete", i, cs[i].failures);
}
