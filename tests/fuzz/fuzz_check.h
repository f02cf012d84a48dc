/* fuzz_check.h: the one way the fuzz harnesses (tests/fuzz/fuzz_*.c) report a broken
 * promise of the code under test.
 *
 * A harness does more than feed bytes: after each call it checks what the module's
 * header promises (a valid scenario has every field in range, a parsed script's times
 * do not decrease, a command survives its JSON round trip, ...). FUZZ_CHECK prints the
 * condition, file and line and aborts, which libFuzzer reports as a crash and saves the
 * input under its artifact prefix. Header-only, no state; harnesses never write files.
 */
#ifndef SS_FUZZ_CHECK_H
#define SS_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, what)                                                                  \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "%s:%d: fuzz check failed: %s (%s)\n", __FILE__, __LINE__, #cond, (what)); \
            abort();                                                                            \
        }                                                                                       \
    } while (0)

#endif
