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

#endif
