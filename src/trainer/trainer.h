/* trainer.h: the trainer window (`sonospine run` with a display): live B-mode, 3D
 * external view, status strip, image controls, scenario picker, help and results
 * screens, in practice or exam mode.
 *
 * Every input of the trainee goes through the input-device layer (src/input/) into the
 * simulation as session-script commands at fixed ticks, so an interactive attempt is
 * logged and replays exactly like a scripted one (`sonospine replay LOG`). Scripts
 * (--script) play in real time, or `speed` times faster.
 * What it does not do: parse the command line (cmd_run.c) or simulate (engine/).
 */
#ifndef SS_TRAINER_H
#define SS_TRAINER_H

#include <stdbool.h>

#include "metrics.h"
#include "patient_case.h"
#include "session_script.h"

typedef struct ss_trainer_desc {
    ss_case *cs;                 /* the loaded scenario (the caller keeps ownership) */
    const char *mode;            /* "practice" (default) or "exam" */
    const char *trainee;         /* may be NULL */
    const ss_script *script;     /* NULL: the trainee drives */
    double speed;                /* simulation seconds per real second; 0 -> 1 */
    bool exit_after_script;      /* close when the script is over (no results screen) */
    const char *log_path;        /* session log of the first attempt (later ones get -2, -3, ...) */
    const char *signer_socket;   /* the signing service that signs the logs (NULL: station key) */
    const char *metrics_path;    /* --metrics-json of the first attempt */
    const char *screenshot_path; /* the whole window as PNG, written at exit */
    const char *frame_stats_path;
    int width, height;           /* window size; 0 -> 1280 x 800 */
    bool show_help;              /* open with the controls overlay shown */
    bool quiet;                  /* no event lines on stdout */
    /* called when an attempt has been graded (e.g. to record it in the results
     * database); returns 0, or non-zero to make the run's exit code 1 */
    int (*on_graded)(void *user, const ss_case *cs, const ss_metrics *m, const char *log_path);
    void *user;
} ss_trainer_desc;

/* Opens the window and runs until the trainee quits (or the script is over with
 * exit_after_script). Returns a process exit code (cli.h): 0, or 1 when the window,
 * GL or a file could not be made (the reason on stderr). */
int ss_trainer_run(const ss_trainer_desc *desc);

#endif
