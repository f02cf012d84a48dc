/* SonoSpine — where the renderer's hot loops get wider vectors.
 *
 * SS_SIMD_CLONES on a function asks the compiler for two versions of it, one for CPUs
 * with AVX2 (x86-64-v3's vector width, 8 floats) and one for any x86-64 (SSE2, 4 floats),
 * picked once when the program loads (GNU ifunc, glibc). The loops are plain C loops over
 * arrays that the compiler vectorizes; no intrinsics. Both versions compute the same
 * floats bit for bit: the engine is compiled with -ffp-contract=off (no fused
 * multiply-add: "avx2" does not enable FMA anyway), and every reduction keeps its order
 * (the compiler does not reorder float sums without -ffast-math). Elsewhere (other
 * architectures, compilers without target_clones, sanitizer and fuzzing builds, where
 * ifunc resolvers run before the sanitizer runtime is ready) it is empty: one
 * portable version.
 */
#ifndef SS_SIMD_H
#define SS_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__gnu_linux__) &&                  \
    !defined(__SANITIZE_ADDRESS__)
#define SS_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SS_SIMD_CLONES
#endif

/* A helper of a function with SS_SIMD_CLONES that must be compiled for each clone's
 * vectors: always inlined into it (a helper GCC leaves out of line is compiled once, for
 * the baseline target, whatever clone calls it). */
#if defined(__GNUC__)
#define SS_SIMD_INLINE __attribute__((always_inline)) inline
#else
#define SS_SIMD_INLINE inline
#endif

/* (int)floorf(x) for a finite x within int range, written so that a loop of it
 * vectorizes (GCC 12 keeps floorf scalar unless FP traps are ignored): truncate, then
 * one down where that went up (x negative and not whole). The same integers as floorf;
 * where a single value is floored, floorf is one instruction with SSE4.1 and the better
 * choice. */
static inline int ss_ifloor(float x)
{
    const int k = (int)x;
    return k - (x < (float)k);
}

/* Eight floats as one value, for the few loops whose sums must stay in registers across
 * an inner loop (GCC 12 keeps a sum over a plain array of 8 accumulators in memory, or
 * scalar): the compiler's vector extension where it has one (GCC, clang: one AVX2
 * register, or two SSE2 ones in the "default" clone), a struct of eight floats elsewhere.
 * Only lane-wise loads, stores, multiplies and adds, each rounded as the scalar operation
 * is (no fused multiply-add: -ffp-contract=off), so a sum built with them is bit for bit
 * the scalar sum taken in the same order. The helpers take the value by pointer (inlined,
 * it stays in a register): a 32-byte vector passed by value changes the ABI without AVX. */
#include <string.h>

#if defined(__GNUC__)
typedef float ss_v8f __attribute__((vector_size(32)));
static inline void ss_v8f_zero(ss_v8f *v) { *v = (ss_v8f){0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f}; }
/* acc += g * x[0..7], the product rounded first */
static inline void ss_v8f_madd(ss_v8f *acc, float g, const float *x)
{
    ss_v8f v;
    memcpy(&v, x, sizeof v);
    *acc = *acc + g * v;
}
/* acc += w[0..7] * x[0..7] */
static inline void ss_v8f_madd_v(ss_v8f *acc, const float *w, const float *x)
{
    ss_v8f a, b;
    memcpy(&a, w, sizeof a);
    memcpy(&b, x, sizeof b);
    *acc = *acc + a * b;
}
/* p[0..7] += v */
static inline void ss_v8f_add_to(float *p, const ss_v8f *v)
{
    ss_v8f a;
    memcpy(&a, p, sizeof a);
    a = a + *v;
    memcpy(p, &a, sizeof a);
}
/* v *= f[0..7] */
static inline void ss_v8f_mul_by(ss_v8f *v, const float *f)
{
    ss_v8f a;
    memcpy(&a, f, sizeof a);
    *v = *v * a;
}
static inline void ss_v8f_store(float *p, const ss_v8f *v) { memcpy(p, v, sizeof *v); }
#else
typedef struct ss_v8f {
    float f[8];
} ss_v8f;
static inline void ss_v8f_zero(ss_v8f *v)
{
    for (int i = 0; i < 8; i++) v->f[i] = 0.f;
}
static inline void ss_v8f_madd(ss_v8f *acc, float g, const float *x)
{
    for (int i = 0; i < 8; i++) acc->f[i] += g * x[i];
}
static inline void ss_v8f_madd_v(ss_v8f *acc, const float *w, const float *x)
{
    for (int i = 0; i < 8; i++) acc->f[i] += w[i] * x[i];
}
static inline void ss_v8f_add_to(float *p, const ss_v8f *v)
{
    for (int i = 0; i < 8; i++) p[i] += v->f[i];
}
static inline void ss_v8f_mul_by(ss_v8f *v, const float *f)
{
    for (int i = 0; i < 8; i++) v->f[i] *= f[i];
}
static inline void ss_v8f_store(float *p, const ss_v8f *v) { memcpy(p, v->f, sizeof v->f); }
#endif

#endif
