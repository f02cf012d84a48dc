/* cli.c: the command table and dispatch for `sonospine` (see cli.h, DESIGN.md). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "key_trust.h"
#include "log_signer.h"
#include "paths.h"
#include "views.h"

/* a numeric macro as text, for the help strings */
#define SS__STR2(x) #x
#define SS__STR(x) SS__STR2(x)


typedef struct ss_command {
    const char *name;
    const char *summary;
    const char *help; /* full --help text: usage line, then options */
    int (*run)(int argc, char **argv); /* NULL: not built yet */
} ss_command;

static const ss_command ss__commands[] = {
    {"run", "the trainer on a scenario (window, or --headless)",
     "usage: sonospine run SCENARIO [--mode practice|exam|landmark] [--trainee ID] [--script FILE]\n"
     "                     [--exit-after-script] [--speed X] [--log FILE] [--metrics-json FILE]\n"
     "                     [--screenshot FILE] [--frame-stats FILE] [--headless]\n"
     "                     [--results-db FILE] [--allow-unsigned-exam]\n"
     "       sonospine run --exam EXAM.json --case N --trainee ID --log FILE [...]\n"
     "       sonospine run SCENARIO --course [--course-scripts DIR] [--log FILE] [--metrics-json FILE]\n"
     "                     [--trainee ID] [--results-db FILE] [--quiet]\n"
     "\n"
     "Starts the trainer. With --headless no window is opened (engine only, for CI and batch)\n"
     "and a --script runs as fast as the machine allows; with a window a script runs in real\n"
     "time unless --speed X. --screenshot writes the last frame as PNG; --frame-stats writes\n"
     "frame-time figures ending 'frames N median M ms F fps p99 P ms'.\n"
     "\n"
     "The window opens when a display exists (or SDL_VIDEODRIVER is set, e.g. offscreen);\n"
     "without --script the trainee drives it (docs/controls.md; ? lists the keys) and\n"
     "--screenshot is the whole window at exit. Headless without --script, the scenario's\n"
     "expert demonstration runs (near-spinous view at the first expected interspace,\n"
     "puncture frame, advance until the dura pops, inject); with nowhere named to write,\n"
     "its log, metrics and last B-mode frame go to out/.\n"
     "SCENARIO defaults to scenarios/default.json. --quiet prints no events.\n"
     "\n"
     "With --trainee ID the attempt is recorded in the results database (--results-db FILE,\n"
     "else $SONOSPINE_RESULTS_DB, else ~/.local/share/sonospine/results.sqlite3) with its\n"
     "log path and the log's seal hash (what the station key signs); a database error is exit 1 (the log\n"
     "is kept). --mode exam: the scenario's aids are off, the result is recorded as an exam\n"
     "attempt; it needs --trainee and --log, and the station's signing service (sonospine\n"
     "signer; docs/security.md): without it an exam is refused (exit 2) unless\n"
     "--allow-unsigned-exam (a demonstration, its log not authentic). --exam FILE --case N\n"
     "runs case N of an exam file (scenarios/EXAMS.md) in exam mode with the case's time\n"
     "limit, and records the exam's id and the case with the result.\n"
     "--mode landmark: landmark-only, no ultrasound: probe and frame commands are refused;\n"
     "the needle goes in free hand at the palpated interspace (needle.landmark LEVEL\n"
     "CRANIAL_DEG: midline between the spinous processes, square to the back) or anywhere\n"
     "(needle.place); the metrics say \"mode\": \"landmark\". In the window the B-mode panel is\n"
     "replaced by palpation: the spinous processes and Tuffier's line marked on the back in\n"
     "the 3D view, 1-5 chooses the interspace, , and . the needle's tilt toward the head, N\n"
     "puts it in at the palpated point. Headless it needs --script.\n"
     "--course plays the scenario's course (its \"course\": the doses' days, and the\n"
     "paper's figures for them) headless, dose by dose: DIR/dose-1.txt, dose-2.txt, ... (or\n"
     "the expert demonstration without --course-scripts), each dose a recorded attempt\n"
     "(FILE-dose1.jsonl, ...), the only memory between doses the procedure note a dose\n"
     "writes (note LEVEL [ANGLE]; level.choose note, probe.view note VIEW, guide.attach\n"
     "note use the previous one's); then the course beside the paper's Table 1.\n"
     "--metrics-json then holds {\"course\": {\"doses\": [{dose, day, note_used, metrics,\n"
     "reported}]}}.\n",
     ss_cmd_run},
    {"validate", "check scenario and exam files",
     "usage: sonospine validate FILE...\n"
     "\n"
     "Checks scenario (and exam) files. Every error is printed as\n"
     "  file:line:col: json.path: message\n"
     "Exit 0 when all files are valid, 2 otherwise.\n",
     ss_cmd_validate},
    {"render", "one B-mode frame to PNG, headless",
     "usage: sonospine render SCENARIO --level L4-L5 --view VIEW [--side left|right]\n"
     "                        [--backend cpu|gpu] [--lines N] [--samples N] [--freq MHZ]\n"
     "                        [--depth MM] -o OUT.png [--envelope OUT.f32] [--labels OUT.u8]\n"
     "                        [--needle-angle DEG --needle-depth MM] [--width PX] [--landmarks]\n"
     "\n"
     "Views: spinous, near-spinous, parasagittal-oblique, transverse-interlaminar,\n"
     "transverse-spinous. --envelope also writes the linear envelope before TGC and log\n"
     "compression as little-endian float32 (samples fastest) with a sidecar OUT.f32.json.\n"
     "--labels writes the tissue label (tissue.h id; steel where the needle is) at each\n"
     "sample of each line's central ray, uint8 in the same layout, with OUT.u8.json (lines,\n"
     "samples, sample_spacing_mm, labels: name -> id). --needle-angle puts the needle on\n"
     "the view's puncture frame at DEG to the beam (within the scenario's frame range),\n"
     "its tip MM along the needle from the skin. --width sets the image width (512 px).\n"
     "--landmarks prints what the image shows as numbers (sac, posterior and anterior\n"
     "complexes, bone, shadows, metal, fascia, needle: dB against muscle speckle at the same\n"
     "depth; docs/acoustics.md) on a line starting 'landmarks '.\n"
     "\n"
     "       sonospine render --phantom NAME -o OUT.png [...]\n"
     "renders a built-in physics test scene instead (homogeneous, cyst, interface, bone_plate,\n"
     "needle, wire, rod). --spacing MM sets the tissue volume's voxel size (default 0.5).\n",
     ss_cmd_render},
    {"preview", "instructor preview: every standard view at every level, as PNG + index.html",
     "usage: sonospine preview SCENARIO -o DIR [--side left|right] [--lines N] [--samples N]\n"
     "                         [--threads N]\n"
     "\n"
     "Writes into DIR (created if missing): view_LEVEL_VIEW.png for every lumbar interspace\n"
     "(L1-L2 .. L5-S1) and standard view (spinous, near-spinous, parasagittal-oblique,\n"
     "transverse-interlaminar, transverse-spinous), rendered by the CPU renderer (default\n"
     "128 lines x 512 samples, 2 threads; lateral views on the right unless --side left);\n"
     "spine_coronal.png and spine_sagittal.png, drawings of the model with vertebrae,\n"
     "rotation, interspaces, hardware, channel/ungrafted levels, a 20 mm scale bar and a\n"
     "legend; and index.html: the views in a grid (rows interspaces, columns views) with\n"
     "each view's canal visibility and window width, beside the scenario's parameters and\n"
     "the model's measurements. Exit 2 for bad usage or scenario, 1 if writing fails.\n",
     ss_cmd_preview},
    {"views", "canal visibility and acoustic window width per standard view",
     "usage: sonospine views SCENARIO (--level L4-L5 | --all-levels) [--side left|right] [--json]\n"
     "\n"
     "For each standard view placed on the model (engine/views.h): canal visibility (the\n"
     "share of the thecal sac on the central scan lines, |angle| <= " SS__STR(SS_VIEW_CENTRAL_DEG) " deg, that the beam\n"
     "reaches without crossing bone, graft or metal) and the acoustic window width (the\n"
     "run of adjacent scan lines reaching the sac that holds a central line, across the\n"
     "image at the depth of the posterior dura; 0 when no central line reaches the sac,\n"
     "so a view with 0 % visibility has no window), with the interspace's axial rotation.\n"
     "The spinous view sits over the line of the spinous tips, centred on the upper\n"
     "process; the parasagittal oblique view stands " SS__STR(SS_VIEW_PARASAGITTAL_OFFSET_MM) " mm out, angled " SS__STR(SS_VIEW_PARASAGITTAL_TILT_DEG) " deg\n"
     "toward the midline. --json: an array of objects\n"
     "with level, view, side, canal_visibility, window_width_mm, rotation_deg.\n",
     ss_cmd_views},
    {"rubric-check", "does a rubric separate experts from novices (the attempt library)",
     "usage: sonospine rubric-check SCENARIO [--library DIR] [--json]\n"
     "\n"
     "Runs the attempt library (scripted attempts of known skill: an expert on every\n"
     "shipped case, novices each showing one error; tests/data/attempts, installed with\n"
     "the program; --library DIR for another) and grades every attempt with SCENARIO's\n"
     "rubric (its rubric section; without one, the default rubric, whose thresholds follow\n"
     "each attempt's case). Prints, per measure, how many experts and novices meet it and\n"
     "their mean sub-scores (a measure separates when the experts' is higher); every\n"
     "attempt's score and result; and whether the score separates the groups (every expert\n"
     "above every novice) and the pass mark lies between them (every expert passes, the\n"
     "mark above the novices' median), with the contrasting-groups range of pass marks\n"
     "that misclassifies the fewest. --json: the same as one object. Exit 0 when all\n"
     "separate, 1 when any does not, 2 bad input.\n",
     ss_cmd_rubric_check},
    {"variants", "randomized scenario variants within the scenario's ranges",
     "usage: sonospine variants SCENARIO --count N --seed S -o DIR\n"
     "\n"
     "Writes N scenarios drawn within the ranges of the scenario's \"variants\" section\n"
     "(uniform in [min, max], rounded to 0.1 or a whole number, or one of the choices), each\n"
     "validated, named <id>-s<S>-v<k>.json, and DIR/variants.tsv with the values drawn. The\n"
     "same scenario and seed always give the same files.\n",
     ss_cmd_variants},
    {"bench", "frame rate and throughput of the acoustic simulator",
     "usage: sonospine bench [--backend cpu|gpu|both] [--lines N] [--samples N] [--frames N] [--json]\n"
     "                       [--volume] [--trainer]\n"
     "\n"
     "Prints median ms/frame, fps and Msamples/s, with a bare volume march of the same size\n"
     "measured in the same run and the ratio full/bare. --json: one object a line.\n"
     "Each backend also prints where its frames went (medians): the GPU its passes, the CPU\n"
     "its three passes (lines: march and speckle; image; scan) and the speckle's time summed\n"
     "over its threads (--json: threads, lines_ms, image_ms, scan_ms, speckle_cpu_ms).\n"
     "Without --lines/--samples: 128 x 512, 256 x 1024 and 256 x 2048. The scene is the\n"
     "normal adult at L3-L4, near-spinous view, needle in the frame (all physics on).\n"
     "--volume also times the tissue volume build at 1.0 and 0.5 mm.\n"
     "--trainer instead runs the trainer window (offscreen without a display) on case 6\n"
     "with a fixed 20 s probe sweep and prints how live the B-mode picture is:\n"
     "'bmode frames N median_hz H p10_hz H10', 'latency median M ms p90 P ms' and the\n"
     "window's 'frames N median M ms F fps p99 P ms' (the --frame-stats lines).\n",
     ss_cmd_bench},
    {"replay", "re-simulate a session log and check it reproduces its results",
     "usage: sonospine replay LOG [--metrics-json FILE]\n"
     "\n"
     "Re-simulates the attempt from the log's inputs and its scenario (the path recorded in\n"
     "the log, or the file of that name in the scenario directory; its SHA-256 must match)\n"
     "and checks that every event and metric comes out the same. A log cut short by a crash\n"
     "is replayed up to its last whole record. Exit 0 reproduced, 1 not reproduced or\n"
     "tampered, 2 unreadable log or scenario.\n",
     ss_cmd_replay},
    {"verify", "check the hash chain and signature of a session log",
     "usage: sonospine verify LOG [--key PUBLIC_KEY|KEY_ID|station.pub | --trusted-keys FILE]\n"
     "\n"
     "Checks every record's hash and its link to the one before, then the Ed25519 signature\n"
     "of the seal by the key named in the log, then whether that key is one the verifier\n"
     "trusts: --key (one station: its 64-hex public key, 16-hex key id or station.pub file),\n"
     "else --trusted-keys FILE (a centre's list: one public key a line, then a label;\n"
     "docs/security.md), else $SONOSPINE_TRUSTED_KEYS, else " SS_TRUST_DEFAULT_FILE ".\n"
     "Exit 0 authentic (intact, sealed, signed by a trusted key); 1 tampered (naming the first\n"
     "bad record, or the bad signature), signed by a key not trusted or with no trusted key\n"
     "given, or incomplete (ends before its seal or signature: a crash or kill, or a log\n"
     "nobody signed: unauthenticated); 2 unreadable log, bad --key or trusted-keys file.\n",
     ss_cmd_verify},
    {"report", "the assessment report of a session",
     "usage: sonospine report LOG -o OUT.(html|pdf) [--scenario FILE] [--frames N]\n"
     "                        [--key PUBLIC_KEY|KEY_ID|station.pub | --trusted-keys FILE]\n"
     "\n"
     "The assessment report of one attempt: trainee, scenario (title, id, SHA-256), date,\n"
     "mode, the log's integrity, pass/fail and score, every measure against its target,\n"
     "feedback, the timeline of events, the needle-tip path drawn on sagittal and axial\n"
     "sections of the patient, the B-mode frame at each key moment (first skin entry, each\n"
     "bone contact, CSF outflow) and an examiner's signature block. .html gives one\n"
     "self-contained page (images inline), .pdf an A4 document.\n"
     "The drawings come from re-simulating the log on its scenario (found as replay finds\n"
     "it; --scenario FILE names it); without it the report says so, leaves them out and\n"
     "shows no grade: only one re-computed from the scenario and the inputs is ever shown.\n"
     "--frames N: at most N key frames (default 8; 0: no drawings, fastest).\n"
     "The first page says what the log proves: authentic only when it is signed by a key the\n"
     "examiner trusts (--key or --trusted-keys as for verify, else $SONOSPINE_TRUSTED_KEYS or\n"
     SS_TRUST_DEFAULT_FILE "); the last line printed ends 'log authentic' or says why not.\n"
     "Exit 0 written; 1 the log is tampered (no report) or the file cannot be written;\n"
     "2 bad usage or unreadable log.\n",
     ss_cmd_report},
    {"history", "a trainee's attempts and learning curve",
     "usage: sonospine history --trainee ID [-o DIR] [--results-db FILE]\n"
     "\n"
     "Lists a trainee's recorded attempts, oldest first: date, scenario, mode, score, pass,\n"
     "insertions, puncture time and the CUSUM of failures. With -o DIR also writes the\n"
     "learning curves score.png, insertions.png, puncture_time.png and cusum.png (CUSUM with\n"
     "acceptable failure rate 15 %, unacceptable 30 %, alpha = beta = 0.10, and the 15 %\n"
     "competence line) and an index.html showing them with the table.\n"
     "The database: --results-db FILE, else $SONOSPINE_RESULTS_DB, else\n"
     "~/.local/share/sonospine/results.sqlite3 (`sonospine run --trainee ID` records there).\n"
     "Exit 0 shown; 1 no database or no attempts for ID, or a file could not be written.\n",
     ss_cmd_history},
    {"igtl", "OpenIGTLink server: stream images, take tracked probe and needle",
     "usage: sonospine igtl SCENARIO [--port 18944] [--bind ADDR] [--level L4-L5] [--view VIEW]\n"
     "                      [--side left|right] [--fps F] [--lines N] [--samples N] [--log FILE]\n"
     "                      [--probe-name NAME] [--needle-name NAME] [--needle-axis +x|-x|+y|-y|+z|-z]\n"
     "                      [--max-frames N] [--duration S] [--quiet]\n"
     "\n"
     "An OpenIGTLink server (docs/igtl.md) for 3D Slicer (OpenIGTLinkIF, client to this port) and\n"
     "PLUS. The simulation runs in real time; while a client is connected it sends, at up to --fps\n"
     "frames a second (default 10; as fast as the CPU renderer goes when that is slower), the B-mode\n"
     "image as an IMAGE 'Image' (uint8, the frame `render` makes for the same pose; its matrix maps\n"
     "pixels to the patient frame, mm) with the simulated poses as TRANSFORMs 'SimProbeToReference'\n"
     "and 'SimNeedleToReference', and the events as STRINGs 'SonoSpineEvent'. TRANSFORMs received under\n"
     "the probe and needle names (--probe-name, --needle-name) drive the probe and the needle\n"
     "(tip at the origin, shaft along --needle-axis, default +x, hub to tip); each becomes a\n"
     "session-script command, logged with --log FILE like any session (replay, verify, report).\n"
     "The probe starts at --view (default near-spinous, right) of --level (default the scenario's\n"
     "first expected interspace). --port 0 takes any free port; the port is printed as\n"
     "'listening on port N'. Listens on 127.0.0.1 unless --bind 0.0.0.0. Runs until Ctrl-C or\n"
     "SIGTERM, --duration S seconds or --max-frames N frames; the session is then ended, graded\n"
     "and its log sealed. Exit 0, 1 when the server cannot start or the log cannot be written,\n"
     "2 bad usage or scenario.\n",
     ss_cmd_igtl},
    {"signer", "the station's signing service: signs the logs it has checked",
     "usage: sonospine signer [--socket PATH] [--key FILE] [--scenarios DIR] [--requests N]\n"
     "\n"
     "The signing service (docs/security.md), run as its own system user by the systemd unit\n"
     "sonospine-signer.service (installed by `make install`), so that the trainee's account\n"
     "cannot read the key that makes an attempt authentic. Sessions ask it (a Unix socket:\n"
     "--socket, default $SONOSPINE_SIGNER_SOCKET or " SS_SIGNER_DEFAULT_SOCKET ") to sign\n"
     "their log when it ends; it signs only a log whose chain is whole and sealed, on a\n"
     "scenario of --scenarios DIR (default the installed scenarios) by its SHA-256, whose\n"
     "inputs re-simulate to exactly its events, metrics and grade; anything else is refused\n"
     "with the reason. --key FILE: its Ed25519 key, made on first start (default\n"
     "$STATE_DIRECTORY/signer.key under systemd); station.pub beside it is what examiners\n"
     "put in their trusted-keys file. One line per request on standard output (the journal).\n"
     "--requests N: exit after N requests (tests). Exit 0 after N requests, 1 cannot listen,\n"
     "2 bad usage, key or scenario directory.\n",
     ss_cmd_signer},
    {"xray", "the patient's radiograph (AP or lateral) for the pre-procedure review",
     "usage: sonospine xray SCENARIO --projection ap|lateral -o OUT.png [--mm-per-px MM]\n"
     "\n"
     "A plain radiograph of the scenario's patient, L1 to S1 with the soft tissue around:\n"
     "the line integral of X-ray attenuation through the model along parallel rays (AP:\n"
     "posterior to anterior, the patient's right on the image's left, lead marker R;\n"
     "lateral: anterior on the left, marker L), bone light, rods and screws white\n"
     "(docs/anatomy.md, \"Radiographs\"). On it a trainee measures the Cobb angle between\n"
     "the end vertebrae and grades the apical rotation (Nash-Moe), as the paper's operators\n"
     "did before the scan; `sonospine anatomy` gives the model's own values. --mm-per-px\n"
     "(0.2 to 2, default 0.5). Prints the size and scale, and the surgical record (fused\n"
     "span, rods, screws, graft, the interspace reserved for access). Exit 0 written,\n"
     "1 not written, 2 bad usage or scenario.\n",
     ss_cmd_xray},
    {"anatomy", "what the patient model measures: windows, depths, rotation, Cobb; label slices",
     "usage: sonospine anatomy SCENARIO [--json] [--slices DIR] [--spacing MM] [--unflexed]\n"
     "\n"
     "Builds the scenario's patient and measures it the way one would on a CT: per lumbar\n"
     "interspace the interlaminar window (width x height), the interspinous gap, skin to\n"
     "ligamentum flavum and to dura along the midline, the axial rotation and the access a\n"
     "fusion left (laminotomy channel, ungrafted level); and the Cobb angle measured back\n"
     "from the generated spine. --slices writes mid-sagittal, coronal and axial label slices\n"
     "of the tissue volume as PNG into DIR. --unflexed measures the patient lying unflexed\n"
     "(flexion 0), as an attempt meets them when its pre-procedure stage skipped 'check\n"
     "position'.\n",
     ss_cmd_anatomy},
    {"doctor", "check this machine: display, OpenGL 4.3 context, compute shaders, data files",
     "usage: sonospine doctor\n"
     "\n"
     "Creates an offscreen OpenGL context the way the trainer and the GPU renderer do,\n"
     "prints the GL version and renderer, compiles and runs a compute shader from the\n"
     "shader directory and checks its output, and lists the data directories in use.\n"
     "Exit 0 when everything works, 1 when OpenGL 4.3 compute is not available.\n",
     ss_cmd_doctor},
};
enum { SS_NCOMMANDS = (int)(sizeof ss__commands / sizeof ss__commands[0]) };

static void ss__usage(FILE *f)
{
    fprintf(f,
            "SonoSpine %s: ultrasound-guided lumbar puncture trainer for scoliosis and spinal fusion\n"
            "\n"
            "usage: sonospine [COMMAND] [ARGS...]\n"
            "       sonospine            the trainer on the default scenario\n"
            "       sonospine --version\n"
            "       sonospine COMMAND --help\n"
            "\n"
            "commands:\n",
            ss_version());
    for (int i = 0; i < SS_NCOMMANDS; i++)
        fprintf(f, "  %-10s %s%s\n", ss__commands[i].name, ss__commands[i].summary,
                ss__commands[i].run ? "" : " [not built yet]");
    fprintf(f, "\nExit codes: 0 ok, 1 the task failed, 2 bad usage or bad input file.\n");
}

static const ss_command *ss__find(const char *name)
{
    for (int i = 0; i < SS_NCOMMANDS; i++)
        if (strcmp(ss__commands[i].name, name) == 0) return &ss__commands[i];
    return NULL;
}

int ss_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        const ss_command *run = ss__find("run");
        if (!run->run) {
            /* Until the trainer exists, show what does: the machine check. */
            printf("sonospine: the trainer is not built yet in this version; checking this machine "
                   "instead (sonospine doctor):\n\n");
            return ss_cmd_doctor(0, argv);
        }
        char *run_argv[] = {NULL};
        return run->run(0, run_argv); /* no scenario: the command resolves the default */
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        if (argc >= 3 && strcmp(cmd, "help") == 0) {
            const ss_command *c = ss__find(argv[2]);
            if (c) {
                fputs(c->help, stdout);
                return SS_EXIT_OK;
            }
        }
        ss__usage(stdout);
        return SS_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("sonospine %s\n", ss_version());
        return SS_EXIT_OK;
    }
    const ss_command *c = ss__find(cmd);
    if (!c) {
        if (cmd[0] == '-')
            fprintf(stderr, "sonospine: unknown option '%s' (see sonospine --help)\n", cmd);
        else
            fprintf(stderr, "sonospine: unknown command '%s' (see sonospine --help)\n", cmd);
        return SS_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(c->help, stdout);
            if (!c->run) printf("\n(not built yet in this version)\n");
            return SS_EXIT_OK;
        }
    }
    if (!c->run) {
        fprintf(stderr, "sonospine %s: not built yet in this version (see README, 'Status')\n", cmd);
        return SS_EXIT_USAGE;
    }
    return c->run(argc - 2, argv + 2);
}
