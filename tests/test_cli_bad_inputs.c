/* test_cli_bad_inputs.c: bad input across the command line. Each case: a message that
 * names the file or flag and what was expected, and DESIGN.md's exit code (2 = bad usage
 * or bad input file; 1 = the task failed, e.g. this machine cannot open the trainer
 * window; a GPU render without usable OpenGL falls back to the CPU reference, exit 0).
 * Missing files, directories in their place, unreadable files (checked as an ordinary
 * user: when the suite runs as root the command runs as `nobody`, since root reads a
 * mode-000 file), huge files (sparse, 200-300 MB: refused by their size before any
 * read), wrong-typed flags, OpenGL missing or too old, missing shaders, missing or
 * broken fonts, a refused station key. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "paths.h"
#include "test_support.h"

static ts_run_result r;
static const char *dir;
static char scen[512];

static void setup(void)
{
    dir = ts_tempdir("badin");
    snprintf(scen, sizeof scen, "%s", ts_source_path("scenarios/default.json"));
}

static void teardown(void) { ts_rmtree(dir); }

TestSuite(bad_inputs, .init = setup, .fini = teardown, .timeout = 300);

static const char *tmp(const char *name)
{
    static char buf[8][600];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Runs and expects an exit code and every needle in stderr. */
static void expect(int code, const char *const *args, const char *n1, const char *n2)
{
    int got = ts_run_sonospine(&r, args);
    cr_assert_eq(got, code, "sonospine %s %s: exit %d, expected %d\nstdout %s\nstderr %s", args[0],
                 args[1] ? args[1] : "", got, code, r.out, r.err);
    if (n1) cr_assert(strstr(r.err, n1), "sonospine %s: stderr lacks '%s': %s", args[0], n1, r.err);
    if (n2) cr_assert(strstr(r.err, n2), "sonospine %s: stderr lacks '%s': %s", args[0], n2, r.err);
}

Test(bad_inputs, missing_files_are_named)
{
    const char *missing = tmp("nope.json");
    const char *a1[] = {"validate", missing, NULL};
    expect(2, a1, missing, "file not found");
    const char *a2[] = {"run", missing, "--headless", NULL};
    expect(2, a2, missing, "file not found");
    const char *a3[] = {"render", missing, "--level", "L4-L5", "--view", "spinous", "-o", tmp("x.png"), NULL};
    expect(2, a3, missing, "file not found");
    const char *a4[] = {"run", scen, "--headless", "--script", tmp("nope.txt"), NULL};
    expect(2, a4, tmp("nope.txt"), "No such file");
    const char *a5[] = {"verify", tmp("nope.jsonl"), NULL};
    expect(2, a5, tmp("nope.jsonl"), "No such file");
    const char *a6[] = {"replay", tmp("nope.jsonl"), NULL};
    expect(2, a6, tmp("nope.jsonl"), "No such file");
    const char *a7[] = {"report", tmp("nope.jsonl"), "-o", tmp("x.html"), NULL};
    expect(2, a7, tmp("nope.jsonl"), "No such file");
    cr_assert(!ss_file_exists(tmp("x.html")), "no report written for a missing log");
}

Test(bad_inputs, directories_in_place_of_files)
{
    const char *d = tmp("adir");
    cr_assert_eq(mkdir(d, 0755), 0);
    const char *a1[] = {"validate", d, NULL};
    expect(2, a1, d, "is a directory");
    const char *a2[] = {"run", d, "--headless", NULL};
    expect(2, a2, d, "is a directory");
    const char *a3[] = {"run", scen, "--headless", "--script", d, NULL};
    expect(2, a3, d, "is a directory");
    const char *a4[] = {"verify", d, NULL};
    expect(2, a4, d, "is a directory");
    const char *a5[] = {"replay", d, NULL};
    expect(2, a5, d, "is a directory");
    const char *a6[] = {"report", d, "-o", tmp("x.html"), NULL};
    expect(2, a6, d, "is a directory");
    /* --log names a directory: refused before the attempt, the directory untouched */
    const char *a7[] = {"run", scen, "--headless", "--log", d, NULL};
    expect(2, a7, d, "is a directory: expected the name of a new session log file");
}

/* Runs sonospine with args as an unprivileged user when this process is root. */
static int run_unprivileged(const char *const *args, char *err, size_t err_size)
{
    char errf[] = "/tmp/sonospine-badin-err-XXXXXX";
    int fe = mkstemp(errf);
    cr_assert_geq(fe, 0);
    fchmod(fe, 0666);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fe, 2);
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 1);
        dup2(nul, 0);
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(126);
        char *argv[16] = {(char *)SONOSPINE_EXE};
        int i = 0;
        for (; args[i] && i < 14; i++) argv[i + 1] = (char *)args[i];
        argv[i + 1] = NULL;
        execv(SONOSPINE_EXE, argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    ssize_t n = pread(fe, err, err_size - 1, 0);
    err[n > 0 ? n : 0] = '\0';
    close(fe);
    unlink(errf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(bad_inputs, unreadable_files)
{
    /* The temporary directory is made 0700 for its owner; the unprivileged user must
     * reach the files in it (and the executable, in the build tree). */
    cr_assert_eq(chmod(dir, 0755), 0);
    const char *sc = tmp("locked.json");
    const char *log = tmp("locked.jsonl");
    cr_assert_eq(ts_write_file(sc, "{}"), 0);
    cr_assert_eq(ts_write_file(log, "{}\n"), 0);
    cr_assert_eq(chmod(sc, 0), 0);
    cr_assert_eq(chmod(log, 0), 0);
    char err[4096];
    const char *a1[] = {"validate", sc, NULL};
    int code = run_unprivileged(a1, err, sizeof err);
    cr_assert_neq(code, 126, "could not drop to uid 65534 to test unreadable files as an ordinary user");
    cr_assert_eq(code, 2, "%s", err);
    cr_assert(strstr(err, sc) && strstr(err, "Permission denied"), "%s", err);
    const char *a2[] = {"run", sc, "--headless", NULL};
    cr_assert_eq(run_unprivileged(a2, err, sizeof err), 2, "%s", err);
    cr_assert(strstr(err, sc) && strstr(err, "Permission denied"), "%s", err);
    const char *a3[] = {"verify", log, NULL};
    cr_assert_eq(run_unprivileged(a3, err, sizeof err), 2, "%s", err);
    cr_assert(strstr(err, log) && strstr(err, "Permission denied"), "%s", err);
}

static void make_sparse(const char *path, long long bytes)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, (off_t)bytes), 0);
    close(fd);
}

Test(bad_inputs, huge_files_are_refused_by_size_before_reading)
{
    /* Sparse: they take no disk, and a program that read them whole would need
     * 200-300 MB of memory. The size limits: scenario 1 MiB, script 4 MiB, log 256 MiB. */
    const char *sc = tmp("huge.json"), *script = tmp("huge.txt"), *log = tmp("huge.jsonl");
    make_sparse(sc, 200LL << 20);
    make_sparse(script, 200LL << 20);
    make_sparse(log, 300LL << 20);
    const char *a1[] = {"validate", sc, NULL};
    expect(2, a1, sc, "expected a scenario of at most 1048576 bytes");
    const char *a2[] = {"run", sc, "--headless", NULL};
    expect(2, a2, sc, "at most 1048576 bytes");
    const char *a3[] = {"run", scen, "--headless", "--script", script, NULL};
    expect(2, a3, script, "more than the 4194304 allowed");
    const char *a4[] = {"verify", log, NULL};
    expect(2, a4, log, "more than the 268435456 allowed");
    const char *a5[] = {"replay", log, NULL};
    expect(2, a5, log, "more than the 268435456 allowed");
    const char *a6[] = {"report", log, "-o", tmp("r.html"), NULL};
    expect(2, a6, log, "more than the 268435456 allowed");
}

Test(bad_inputs, wrong_typed_flags_name_the_flag_and_the_range)
{
    const char *png = tmp("x.png");
    const char *a1[] = {"render", scen, "--level", "L4-L5", "--view", "spinous", "--lines", "abc", "-o", png, NULL};
    expect(2, a1, "--lines: expected an integer from 16 to 1024, got 'abc'", NULL);
    const char *a2[] = {"render", scen, "--level", "L4-L5", "--view", "spinous", "--freq", "-2", "-o", png, NULL};
    expect(2, a2, "--freq: expected a number", "got '-2'");
    const char *a3[] = {"render", scen, "--level", "L9-L5", "--view", "spinous", "-o", png, NULL};
    expect(2, a3, "--level: expected L1-L2", "got 'L9-L5'");
    const char *a4[] = {"render", scen, "--level", "L4-L5", "--view", "spinous", "--backend", "tpu", "-o", png, NULL};
    expect(2, a4, "--backend", "tpu");
    const char *a5[] = {"run", scen, "--headless", "--speed", "0", NULL};
    expect(2, a5, "--speed: expected a number from 0.1 to 1000, got '0'", NULL);
    const char *a6[] = {"run", scen, "--headless", "--speed", "fast", NULL};
    expect(2, a6, "--speed", "got 'fast'");
    const char *a7[] = {"bench", "--frames", "-3", NULL};
    expect(2, a7, "--frames: expected an integer from 1 to 1000, got '-3'", NULL);
    const char *a8[] = {"variants", scen, "--count", "many", "--seed", "1", "-o", tmp("v"), NULL};
    expect(2, a8, "--count", "got 'many'");
    const char *a9[] = {"verify", tmp("x.jsonl"), "--key", "zz", NULL};
    expect(2, a9, "--key", "zz");
    const char *a10[] = {"run", scen, "--headless", "--lines", NULL};
    expect(2, a10, "--lines", NULL);
    const char *a11[] = {"igtl", scen, "--port", "-1", NULL};
    expect(2, a11, "--port: expected an integer from 0 to 65535, got '-1'", NULL);
    const char *a12[] = {"igtl", scen, "--port", "70000", NULL};
    expect(2, a12, "--port", "got '70000'");
    cr_assert(!ss_file_exists(png), "nothing rendered after a bad flag");
}

/* render --backend gpu under an environment variable; expects the CPU fallback. */
static void render_falls_back(const char *var, const char *value, const char *why)
{
    const char *png = tmp("fb.png");
    remove(png);
    char *old = getenv(var) ? strdup(getenv(var)) : NULL;
    setenv(var, value, 1);
    const char *a[] = {"render", scen, "--level", "L4-L5", "--view", "near-spinous", "--backend", "gpu",
                       "--lines", "32", "--samples", "256", "-o", png, NULL};
    int code = ts_run_sonospine(&r, a);
    if (old) setenv(var, old, 1);
    else unsetenv(var);
    free(old);
    cr_assert_eq(code, 0, "%s=%s: %s %s", var, value, r.out, r.err);
    cr_assert(strstr(r.err, "using the CPU reference instead"), "%s=%s: %s", var, value, r.err);
    cr_assert(strstr(r.err, why), "%s=%s: stderr names the cause '%s': %s", var, value, why, r.err);
    cr_assert(strstr(r.out, "(cpu)"), "%s", r.out);
    cr_assert(ss_file_exists(png), "the frame is still written");
}

Test(bad_inputs, gpu_render_without_usable_opengl_falls_back_to_the_cpu)
{
    /* No OpenGL at all: libglvnd finds no EGL vendor library. */
    render_falls_back("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent/egl_vendor.json", "OpenGL 4.3");
    /* OpenGL too old: Mesa (the CI driver, llvmpipe) asked to offer 3.3 only. */
    render_falls_back("MESA_GL_VERSION_OVERRIDE", "3.3", "OpenGL 4.3");
    /* bench --backend gpu measures the GPU: without OpenGL it has nothing to measure */
    setenv("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent/egl_vendor.json", 1);
    const char *a[] = {"bench", "--backend", "gpu", "--frames", "1", "--lines", "32", "--samples", "128", NULL};
    int code = ts_run_sonospine(&r, a);
    unsetenv("__EGL_VENDOR_LIBRARY_FILENAMES");
    cr_assert_eq(code, 1, "%s", r.err);
    cr_assert(strstr(r.err, "no GPU figures"), "%s", r.err);
}

Test(bad_inputs, missing_shaders_fall_back_to_the_cpu_naming_the_file)
{
    const char *empty = tmp("no-shaders");
    cr_assert_eq(mkdir(empty, 0755), 0);
    render_falls_back("SONOSPINE_SHADER_DIR", empty, "SONOSPINE_SHADER_DIR is set");
    render_falls_back("SONOSPINE_SHADER_DIR", empty, ".glsl: not found at");
    render_falls_back("SONOSPINE_SHADER_DIR", tmp("does-not-exist"), "not found at");
}

static void window_with_font(const char *font, const char *n1, const char *n2)
{
    const char *script = tmp("s.txt");
    cr_assert_eq(ts_write_file(script, "0.0 probe.view L4-L5 near-spinous right\n0.5 end\n"), 0);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    setenv("SONOSPINE_FONT", font, 1);
    const char *a[] = {"run", scen, "--script", script, "--exit-after-script", "--speed", "100", NULL};
    int code = ts_run_sonospine(&r, a);
    unsetenv("SONOSPINE_FONT");
    unsetenv("SDL_VIDEODRIVER");
    cr_assert_eq(code, 1, "the window cannot open (exit 1, not a crash): %s %s", r.out, r.err);
    cr_assert(strstr(r.err, font), "%s", r.err);
    cr_assert(strstr(r.err, n1), "%s", r.err);
    if (n2) cr_assert(strstr(r.err, n2), "%s", r.err);
}

Test(bad_inputs, missing_or_broken_font_stops_the_window_with_a_message)
{
    window_with_font(tmp("nope.ttf"), "cannot be read", "fonts-dejavu-core");
    const char *text = tmp("text.ttf");
    cr_assert_eq(ts_write_file(text, "this is not a font, just text long enough\n"), 0);
    window_with_font(text, "does not start with a TrueType signature", "expected a TrueType font");
    /* a real font cut short: its table directory points past the end */
    char *ttf;
    size_t n;
    cr_assert_eq(ss_file_read("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 64 << 20, &ttf, &n), SS_OK,
                 "fonts-dejavu-core is a build dependency");
    const char *cut = tmp("cut.ttf");
    FILE *f = fopen(cut, "wb");
    cr_assert_eq(fwrite(ttf, 1, 4096, f), 4096);
    fclose(f);
    free(ttf);
    window_with_font(cut, "beyond the end of the file", NULL);
}

Test(bad_inputs, a_station_key_others_can_read_stops_the_attempt_before_its_log)
{
    const char *key = tmp("keys/station.key");
    const char *log = tmp("a.jsonl");
    setenv("SONOSPINE_STATION_KEY", key, 1);
    const char *a1[] = {"run", scen, "--headless", "--quiet", "--log", log, NULL};
    int code = ts_run_sonospine(&r, a1);
    cr_assert_eq(code, 0, "%s", r.err);
    cr_assert_eq(chmod(key, 0640), 0);
    const char *log2 = tmp("b.jsonl");
    const char *a2[] = {"run", scen, "--headless", "--quiet", "--log", log2, NULL};
    code = ts_run_sonospine(&r, a2);
    cr_assert_eq(code, 2, "%s", r.err);
    cr_assert(strstr(r.err, key) && strstr(r.err, "0640") && strstr(r.err, "expected 0600"), "%s", r.err);
    cr_assert(!ss_file_exists(log2), "no log started with a key that cannot be trusted");
    /* the key file is left as it was, and the earlier log still verifies */
    struct stat st;
    cr_assert_eq(stat(key, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0640);
    cr_assert_eq(chmod(key, 0600), 0);
    const char *v[] = {"verify", log, "--key", ts_station_pub(), NULL};
    cr_assert_eq(ts_run_sonospine(&r, v), 0, "%s", r.out);
    /* a key file of the wrong size */
    cr_assert_eq(ts_write_file(key, "short"), 0);
    code = ts_run_sonospine(&r, a2);
    cr_assert_eq(code, 2, "%s", r.err);
    cr_assert(strstr(r.err, "5 bytes; expected exactly 64"), "%s", r.err);
    unsetenv("SONOSPINE_STATION_KEY");
}

Test(bad_inputs, trainee_ids_are_checked_not_cut)
{
    /* issue 23: ids were cut to 127 bytes (merging trainees who share a prefix) and took
     * newlines, control characters and broken UTF-8 */
    char long_id[80];
    memset(long_id, 'a', 65);
    long_id[65] = '\0';
    const char *script = ts_source_path("tests/data/attempts/novice-no-insertion.txt");
    const char *a[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--trainee",
                       long_id, "--results-db", tmp("r.db"), "--script", script, NULL};
    expect(2, a, "--trainee", "65 bytes: expected at most 64");
    const char *b[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--trainee",
                       "two\nlines", "--results-db", tmp("r.db"), "--script", script, NULL};
    expect(2, b, "a control character (U+000A)", NULL);
    const char *c[] = {"history", "--trainee", "bad\xff", "--results-db", tmp("r.db"), NULL};
    expect(2, c, "expected valid UTF-8", NULL);
    /* 64 bytes of UTF-8 (two-byte letters) is a fine id */
    char ok[80] = "";
    for (int i = 0; i < 32; i++) strcat(ok, "\xc3\xa9");
    const char *d[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--trainee",
                       ok, "--results-db", tmp("r.db"), "--script", script, NULL};
    expect(0, d, NULL, NULL);
    const char *e[] = {"history", "--trainee", ok, "--results-db", tmp("r.db"), NULL};
    expect(0, e, NULL, NULL);
}
