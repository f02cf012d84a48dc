/* test_cli_igtl.cpp: `sonospine igtl` against a client written with the official
 * OpenIGTLink library's C++ message classes (igtl::ClientSocket, igtl::ImageMessage,
 * igtl::TransformMessage, igtl::StringMessage): the IMAGE equals `render`'s PNG for the
 * same pose, pixel for pixel, with the documented matrix; tracked TRANSFORMs move the
 * probe and drive the needle into the body, logged so the session verifies and replays;
 * malformed messages are rejected and the server keeps serving a well-behaved client.
 *
 * No timing is asserted: every wait is a generous deadline (a loaded 2-core CI machine
 * builds the tissue volume and renders frames slowly), and only what arrives is checked. */
#include <criterion/criterion.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <igtlClientSocket.h>
#include <igtlImageMessage.h>
#include <igtlMessageHeader.h>
#include <igtlStringMessage.h>
#include <igtlTransformMessage.h>
#include <stb_image.h>

extern "C" {
#include "test_support.h"
}

namespace {

const double kDeadlineS = 240.0; /* generous: a loaded CI machine, no timing asserted */

double now_s()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

std::string slurp(const std::string &path)
{
    std::string s;
    FILE *f = fopen(path.c_str(), "rb");
    if (!f) return s;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    fclose(f);
    return s;
}

/* A `sonospine igtl` process on an ephemeral port; stdout and stderr go to files. */
struct Server {
    pid_t pid = -1;
    int port = 0;
    std::string out, err, log;

    void start(const char *dir, const std::vector<std::string> &extra)
    {
        log = std::string(dir) + "/igtl.jsonl";
        std::vector<std::string> args = {"igtl"};
        args.insert(args.end(), extra.begin(), extra.end());
        args.insert(args.end(), {"--port", "0", "--log", log, "--quiet"});
        spawn(dir, args);
    }

    /* Runs `sonospine ARGS...` and waits for its "listening on port N" line. */
    void spawn(const char *dir, std::vector<std::string> args)
    {
        out = std::string(dir) + "/igtl.out";
        err = std::string(dir) + "/igtl.err";
        args.insert(args.begin(), SONOSPINE_EXE);
        pid = fork();
        cr_assert_geq(pid, 0, "fork failed");
        if (pid == 0) {
            /* a failed assertion ends the test process without stop(): take the server with it */
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            int fo = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int fe = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fo, 1);
            dup2(fe, 2);
            std::vector<char *> av;
            for (auto &a : args) av.push_back(const_cast<char *>(a.c_str()));
            av.push_back(nullptr);
            setenv("SONOSPINE_RESULTS_DB", "/tmp/sonospine-test-igtl.sqlite3", 1);
            execv(av[0], av.data());
            _exit(127);
        }
        double t0 = now_s();
        while (now_s() - t0 < kDeadlineS) {
            std::string s = slurp(out);
            size_t at = s.find("listening on port ");
            if (at != std::string::npos && s.find('\n', at) != std::string::npos) {
                port = atoi(s.c_str() + at + 18);
                break;
            }
            int status;
            cr_assert_eq(waitpid(pid, &status, WNOHANG), 0, "sonospine igtl exited early: %s", slurp(err).c_str());
            usleep(50000);
        }
        cr_assert_gt(port, 0, "no 'listening on port N' line; stdout: %s stderr: %s", slurp(out).c_str(),
                     slurp(err).c_str());
    }

    /* Waits for the process to end by itself; returns the exit status. */
    int wait_exit()
    {
        int status = 0;
        double t0 = now_s();
        while (waitpid(pid, &status, WNOHANG) == 0) {
            if (now_s() - t0 > kDeadlineS) return stop();
            usleep(50000);
        }
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    /* SIGTERM ends the session (graded, log sealed); returns the exit status. */
    int stop()
    {
        if (pid <= 0) return -1;
        kill(pid, SIGTERM);
        int status = 0;
        double t0 = now_s();
        while (waitpid(pid, &status, WNOHANG) == 0) {
            if (now_s() - t0 > kDeadlineS) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                pid = -1;
                return -1;
            }
            usleep(50000);
        }
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
};

igtl::ClientSocket::Pointer connect_client(int port)
{
    igtl::ClientSocket::Pointer s = igtl::ClientSocket::New();
    cr_assert_eq(s->ConnectToServer("127.0.0.1", port), 0, "cannot connect to port %d", port);
    s->SetReceiveTimeout((int)(kDeadlineS * 1000));
    return s;
}

/* What a client has seen. */
struct Seen {
    bool image = false;
    int dims[3] = {0, 0, 0};
    float spacing[3] = {0, 0, 0};
    int scalar = 0, coord = 0;
    igtl::Matrix4x4 image_matrix;
    std::vector<unsigned char> pixels;
    bool probe = false, needle = false;
    igtl::Matrix4x4 probe_m, needle_m;
    std::vector<std::string> events;
};

/* Receives one message with the library's classes; false when the connection ended. */
bool receive_one(igtl::ClientSocket::Pointer &s, Seen &seen)
{
    igtl::MessageHeader::Pointer h = igtl::MessageHeader::New();
    h->InitPack();
    if (s->Receive(h->GetPackPointer(), h->GetPackSize()) != h->GetPackSize()) return false;
    h->Unpack();
    std::string type = h->GetDeviceType(), name = h->GetDeviceName();
    if (type == "IMAGE") {
        igtl::ImageMessage::Pointer im = igtl::ImageMessage::New();
        im->SetMessageHeader(h);
        im->AllocatePack();
        if (s->Receive(im->GetPackBodyPointer(), im->GetPackBodySize()) != im->GetPackBodySize()) return false;
        int c = im->Unpack(1);
        cr_assert(c & igtl::MessageHeader::UNPACK_BODY, "IMAGE body did not unpack with its CRC checked");
        im->GetDimensions(seen.dims);
        im->GetSpacing(seen.spacing);
        im->GetMatrix(seen.image_matrix);
        seen.scalar = im->GetScalarType();
        seen.coord = im->GetCoordinateSystem();
        const unsigned char *p = (const unsigned char *)im->GetScalarPointer();
        seen.pixels.assign(p, p + (size_t)seen.dims[0] * seen.dims[1] * seen.dims[2]);
        seen.image = true;
    } else if (type == "TRANSFORM") {
        igtl::TransformMessage::Pointer tm = igtl::TransformMessage::New();
        tm->SetMessageHeader(h);
        tm->AllocatePack();
        if (s->Receive(tm->GetPackBodyPointer(), tm->GetPackBodySize()) != tm->GetPackBodySize()) return false;
        int c = tm->Unpack(1);
        cr_assert(c & igtl::MessageHeader::UNPACK_BODY, "TRANSFORM body did not unpack with its CRC checked");
        if (name == "SimProbeToReference") {
            tm->GetMatrix(seen.probe_m);
            seen.probe = true;
        } else if (name == "SimNeedleToReference") {
            tm->GetMatrix(seen.needle_m);
            seen.needle = true;
        }
    } else if (type == "STRING") {
        igtl::StringMessage::Pointer sm = igtl::StringMessage::New();
        sm->SetMessageHeader(h);
        sm->AllocatePack();
        if (s->Receive(sm->GetPackBodyPointer(), sm->GetPackBodySize()) != sm->GetPackBodySize()) return false;
        int c = sm->Unpack(1);
        cr_assert(c & igtl::MessageHeader::UNPACK_BODY, "STRING body did not unpack with its CRC checked");
        if (name == "SonoSpineEvent") seen.events.push_back(sm->GetString());
    } else {
        s->Skip(h->GetBodySizeToRead(), 0);
    }
    return true;
}

/* Reads until an IMAGE and both... until pred holds; fails at the deadline. */
template <class Pred> void receive_until(igtl::ClientSocket::Pointer &s, Seen &seen, Pred pred, const char *what)
{
    double t0 = now_s();
    while (!pred(seen)) {
        cr_assert(now_s() - t0 < kDeadlineS, "gave up waiting for %s", what);
        cr_assert(receive_one(s, seen), "connection ended while waiting for %s", what);
    }
}

void send_transform(igtl::ClientSocket::Pointer &s, const char *device, const igtl::Matrix4x4 &m)
{
    igtl::TransformMessage::Pointer tm = igtl::TransformMessage::New();
    tm->SetDeviceName(device);
    igtl::Matrix4x4 mm;
    memcpy(mm, m, sizeof mm);
    tm->SetMatrix(mm);
    tm->Pack();
    cr_assert_eq(s->Send(tm->GetPackPointer(), tm->GetPackSize()), 1, "send failed");
}

/* Sends the last ProbeToReference seen, moved dz mm along z (cranial), and waits until
 * the server's pose has followed within 0.05 mm; `sent`, if not null, receives the matrix
 * sent. */
void move_probe_z(igtl::ClientSocket::Pointer &s, Seen &seen, float dz, const char *what,
                  igtl::Matrix4x4 *sent = nullptr)
{
    igtl::Matrix4x4 m;
    memcpy(m, seen.probe_m, sizeof m);
    m[2][3] += dz;
    send_transform(s, "ProbeToReference", m);
    receive_until(s, seen, [&](const Seen &x) { return std::fabs(x.probe_m[2][3] - m[2][3]) < 0.05; }, what);
    if (sent) memcpy(*sent, m, sizeof m);
}

bool has_event(const Seen &seen, const char *name)
{
    for (auto &e : seen.events)
        if (e.compare(0, strlen(name), name) == 0) return true;
    return false;
}

} // namespace

/* The IMAGE is the frame `render` makes for the same scenario, level and view: same
 * renderer, pose and settings, deterministic for any thread count, so the tolerance is
 * zero differing pixels. Its spacing is render's mm/px (printed to 4 decimals: 1e-4);
 * its matrix is ImageToReference: columns along the probe's x (array) and y (beam)
 * axes from ProbeToReference, the probe face centre at the documented pixel. */
Test(cli_igtl, image_equals_render_png_with_the_documented_matrix)
{
    const char *dir = ts_tempdir("igtl_image");
    std::string scen = ts_source_path("scenarios/normal-adult.json");
    std::string png = std::string(dir) + "/r.png";
    ts_run_result *r = (ts_run_result *)calloc(1, sizeof *r);
    const char *rargs[] = {"render", scen.c_str(), "--level", "L4-L5", "--view", "near-spinous", "-o", png.c_str(),
                           NULL};
    cr_assert_eq(ts_run_sonospine(r, rargs), 0, "render: %s", r->err);
    int w = 0, h = 0;
    float mm_per_px = 0;
    cr_assert_eq(sscanf(strstr(r->out, ": ") + 2, "%d x %d px, %f mm/px", &w, &h, &mm_per_px), 3, "render said: %s",
                 r->out);
    int pw, ph, comp;
    unsigned char *ref = stbi_load(png.c_str(), &pw, &ph, &comp, 1);
    cr_assert_not_null(ref, "render's PNG unreadable");
    cr_assert_eq(pw, w);

    Server srv;
    srv.start(dir, {scen, "--level", "L4-L5", "--view", "near-spinous"});
    igtl::ClientSocket::Pointer s = connect_client(srv.port);
    Seen seen;
    receive_until(s, seen, [](const Seen &x) { return x.image && x.probe; }, "an IMAGE and ProbeToReference");
    cr_expect_eq(seen.scalar, igtl::ImageMessage::TYPE_UINT8);
    cr_expect_eq(seen.coord, igtl::ImageMessage::COORDINATE_LPS, "the patient frame is left-posterior-superior");
    cr_assert_eq(seen.dims[0], w);
    cr_assert_eq(seen.dims[1], h);
    cr_assert_eq(seen.dims[2], 1);
    cr_expect(std::fabs(seen.spacing[0] - mm_per_px) < 1e-4 && std::fabs(seen.spacing[1] - mm_per_px) < 1e-4,
              "spacing %g %g, render %g mm/px", seen.spacing[0], seen.spacing[1], mm_per_px);
    long differ = 0;
    for (int i = 0; i < w * h; i++) differ += seen.pixels[(size_t)i] != ref[i];
    cr_expect_eq(differ, 0, "%ld of %d pixels differ from render's PNG", differ, w * h);
    stbi_image_free(ref);

    /* matrix: i along the array (+x), j along the beam (+y) of ProbeToReference, k the
     * elevation; tolerance 1e-5 (float32 round trip of unit vectors) */
    for (int r3 = 0; r3 < 3; r3++)
        for (int c = 0; c < 3; c++)
            cr_expect(std::fabs(seen.image_matrix[r3][c] - seen.probe_m[r3][c]) < 1e-5,
                      "image matrix [%d][%d] %g, ProbeToReference %g", r3, c, seen.image_matrix[r3][c],
                      seen.probe_m[r3][c]);
    /* the probe face centre (ProbeToReference's origin) lies on the image's central
     * column (i = (w - 1) / 2: the sector is symmetric) at the row of depth 0, which is
     * above the top row by the fan's corner rise; j must be in [-0.5, ...) and the point
     * in the image plane (k = 0). Tolerance 0.01 px (float32 positions in mm). */
    double d[3], ij[3];
    for (int r3 = 0; r3 < 3; r3++) d[r3] = seen.probe_m[r3][3] - seen.image_matrix[r3][3];
    for (int c = 0; c < 3; c++) {
        double sc = c < 2 ? seen.spacing[c] : 1.0;
        ij[c] = (d[0] * seen.image_matrix[0][c] + d[1] * seen.image_matrix[1][c] + d[2] * seen.image_matrix[2][c]) /
                sc;
    }
    /* OpenIGTLink's origin is the image centre: convert to pixel indices from pixel (0, 0) */
    double i_px = ij[0] + (w - 1) / 2.0, j_px = ij[1] + (h - 1) / 2.0;
    cr_expect(std::fabs(i_px - (w - 1) / 2.0) < 0.01, "face centre at column %.3f, expected %.3f", i_px,
              (w - 1) / 2.0);
    cr_expect(std::fabs(ij[2]) < 1e-3, "face centre %.4f mm off the image plane", ij[2]);
    cr_expect(j_px >= -0.5 && j_px < h / 4.0, "face centre at row %.2f: expected near the top of the image", j_px);
    s->CloseSocket();
    cr_expect_eq(srv.stop(), 0, "stderr: %s", slurp(srv.err).c_str());
    free(r);
    ts_rmtree(dir);
}

/* Tracked tools drive the simulation: a ProbeToReference 2 mm cranial moves the probe
 * there (returned pose within 0.05 mm: float32 and the deadband), and a tracked needle
 * pushed along a line from outside the skin enters the body (skin_entry event) with its
 * tip following the tracked tip along the shaft; the log verifies and replays. */
Test(cli_igtl, tracked_probe_and_needle_drive_the_simulation_and_are_logged)
{
    const char *dir = ts_tempdir("igtl_track");
    std::string scen = ts_source_path("scenarios/normal-adult.json");
    Server srv;
    srv.start(dir, {scen, "--level", "L3-L4", "--view", "near-spinous", "--fps", "20"});
    igtl::ClientSocket::Pointer s = connect_client(srv.port);
    Seen seen;
    receive_until(s, seen, [](const Seen &x) { return x.probe; }, "ProbeToReference");
    igtl::Matrix4x4 p1;
    move_probe_z(s, seen, 2.0f, "the probe to move 2 mm cranially", &p1); /* on the skin */
    cr_expect(std::fabs(seen.probe_m[0][3] - p1[0][3]) < 0.05, "x moved: %g vs %g", seen.probe_m[0][3], p1[0][3]);

    /* a turned probe: 8 deg about its beam, 4 deg about its array axis, 3 deg about the
     * elevation axis (any orientation, not one probe.rotate happens to produce in one
     * axis); the returned orientation matches within 1e-3 (0.06 deg: float32 and the
     * 0.05 deg deadband) */
    {
        const double k = M_PI / 180.0, a = 8 * k, b = 4 * k, c = 3 * k;
        double Ry[3][3] = {{cos(a), 0, sin(a)}, {0, 1, 0}, {-sin(a), 0, cos(a)}};
        double Rx[3][3] = {{1, 0, 0}, {0, cos(b), -sin(b)}, {0, sin(b), cos(b)}};
        double Rz[3][3] = {{cos(c), -sin(c), 0}, {sin(c), cos(c), 0}, {0, 0, 1}};
        double t1[3][3] = {}, rel[3][3] = {};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int q = 0; q < 3; q++) t1[i][j] += Ry[i][q] * Rx[q][j];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int q = 0; q < 3; q++) rel[i][j] += t1[i][q] * Rz[q][j];
        igtl::Matrix4x4 p2;
        memcpy(p2, seen.probe_m, sizeof p2);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double v = 0;
                for (int q = 0; q < 3; q++) v += seen.probe_m[i][q] * rel[q][j];
                p2[i][j] = (float)v;
            }
        send_transform(s, "ProbeToReference", p2);
        auto turned = [&](const Seen &x) {
            double worst = 0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) worst = std::max(worst, (double)std::fabs(x.probe_m[i][j] - p2[i][j]));
            return worst < 1e-3;
        };
        receive_until(s, seen, turned, "the probe to turn to the tracked orientation");
    }

    /* a needle in the image plane, from 40 mm along the array and 10 mm above the face
     * toward the beam axis at 30 deg to it; its shaft axis is +x of NeedleToReference */
    double ax[3], ay[3], o[3];
    for (int i = 0; i < 3; i++) {
        ax[i] = seen.probe_m[i][0];
        ay[i] = seen.probe_m[i][1];
        o[i] = seen.probe_m[i][3];
    }
    double ndir[3], tip0[3], side[3], third[3];
    for (int i = 0; i < 3; i++) {
        ndir[i] = -0.5 * ax[i] + 0.8660254 * ay[i];
        tip0[i] = o[i] + 40.0 * ax[i] - 10.0 * ay[i];
        side[i] = 0.8660254 * ax[i] + 0.5 * ay[i];
    }
    /* a rotation, not a reflection: the third column is ndir x side */
    for (int i = 0; i < 3; i++) third[i] = ndir[(i + 1) % 3] * side[(i + 2) % 3] - ndir[(i + 2) % 3] * side[(i + 1) % 3];
    igtl::Matrix4x4 nm;
    igtl::IdentityMatrix(nm);
    for (int i = 0; i < 3; i++) {
        nm[i][0] = (float)ndir[i];
        nm[i][1] = (float)side[i];
        nm[i][2] = (float)third[i];
    }
    double reached = 0;
    for (double depth = 0; depth <= 30.0 + 1e-9; depth += 2.0) {
        for (int i = 0; i < 3; i++) nm[i][3] = (float)(tip0[i] + ndir[i] * depth);
        send_transform(s, "NeedleToReference", nm);
        /* wait until the returned needle tip has followed (or stopped: bone) */
        double t0 = now_s();
        for (;;) {
            cr_assert(receive_one(s, seen), "connection ended");
            if (!seen.needle) continue;
            double along = 0;
            for (int i = 0; i < 3; i++) along += (seen.needle_m[i][3] - tip0[i]) * ndir[i];
            if (std::fabs(along - depth) < 0.1) {
                reached = along;
                break;
            }
            if (now_s() - t0 > 20.0 || has_event(seen, "bone_contact")) break;
        }
        if (has_event(seen, "bone_contact")) break;
    }
    /* the line crosses the skin about 11.5 mm from tip0 (10 mm above the face at 30 deg) */
    cr_expect(has_event(seen, "skin_entry"), "no skin_entry event; events seen: %zu", seen.events.size());
    cr_expect_gt(reached, 15.0, "the simulated tip followed the tracked tip only %.1f mm along the shaft", reached);
    s->CloseSocket();
    cr_assert_eq(srv.stop(), 0, "stderr: %s", slurp(srv.err).c_str());

    /* every tracked pose became a logged command: the session verifies and replays */
    std::string logtext = slurp(srv.log);
    cr_expect(logtext.find("\"probe.rotate\"") != std::string::npos ||
                  logtext.find("\"probe.move\"") != std::string::npos,
              "no probe command logged");
    cr_expect(logtext.find("\"probe.rotate\"") != std::string::npos, "no probe.rotate logged");
    cr_expect(logtext.find("\"needle.place\"") != std::string::npos, "no needle.place logged");
    cr_expect(logtext.find("\"needle.advance\"") != std::string::npos, "no needle.advance logged");
    ts_run_result *r = (ts_run_result *)calloc(1, sizeof *r);
    const char *vargs[] = {"verify", srv.log.c_str(), "--key", ts_station_pub(), NULL};
    cr_expect_eq(ts_run_sonospine(r, vargs), 0, "verify: %s %s", r->out, r->err);
    const char *pargs[] = {"replay", srv.log.c_str(), NULL};
    cr_expect_eq(ts_run_sonospine(r, pargs), 0, "replay: %s %s", r->out, r->err);
    free(r);
    ts_rmtree(dir);
}

namespace {

std::vector<unsigned char> packed_transform(const char *device, float z)
{
    igtl::TransformMessage::Pointer tm = igtl::TransformMessage::New();
    tm->SetDeviceName(device);
    igtl::Matrix4x4 m;
    igtl::IdentityMatrix(m);
    m[2][3] = z;
    tm->SetMatrix(m);
    tm->Pack();
    const unsigned char *p = (const unsigned char *)tm->GetPackPointer();
    return std::vector<unsigned char>(p, p + tm->GetPackSize());
}

/* A plain TCP connection to the server; rcvbuf > 0 shrinks its receive buffer first, so
 * a client that never reads fills up after a frame or two. */
int raw_connect(int port, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0, "socket");
    if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0, "connect");
    return fd;
}

void send_raw(igtl::ClientSocket::Pointer &s, const std::vector<unsigned char> &b)
{
    cr_assert_eq(s->Send(b.data(), (int)b.size()), 1, "send failed");
}

} // namespace

/* Malformed input is rejected, logged, and costs only the offending message or client:
 * a wrong CRC (message dropped, the client stays), an unused message type (skipped), a
 * garbage header (client dropped), an oversized body (client dropped), a message cut
 * off by a disconnect, and a client that never reads; a well-behaved client connected
 * after all of them still gets IMAGEs and drives the probe. */
Test(cli_igtl, malformed_messages_are_rejected_and_the_server_keeps_serving)
{
    const char *dir = ts_tempdir("igtl_bad");
    std::string scen = ts_source_path("scenarios/normal-adult.json");
    Server srv;
    srv.start(dir, {scen, "--level", "L3-L4", "--view", "near-spinous"});

    /* a client that never reads: its frames must be dropped, not buffered or waited for */
    int stalled = raw_connect(srv.port, 4096);

    /* bad CRC: flip one byte of a packed TRANSFORM's body; then an unused type (STRING)
     * and a TRANSFORM too large for a pose, both skipped unread; then a good pose, which
     * must take effect (the skips kept the stream in step); then garbage where a header
     * should be */
    igtl::ClientSocket::Pointer a = connect_client(srv.port);
    Seen seen_a;
    receive_until(a, seen_a, [](const Seen &x) { return x.probe; }, "the probe pose for client a");
    std::vector<unsigned char> bad = packed_transform("ProbeToReference", 500.0f);
    bad[58 + 20] ^= 0x5a;
    send_raw(a, bad);
    igtl::StringMessage::Pointer sm = igtl::StringMessage::New();
    sm->SetDeviceName("Chatter");
    sm->SetString("hello");
    sm->Pack();
    cr_assert_eq(a->Send(sm->GetPackPointer(), sm->GetPackSize()), 1);
    std::vector<unsigned char> fat = packed_transform("ProbeToReference", 500.0f);
    fat.resize(58 + 5000, 0);
    for (int i = 0; i < 8; i++) fat[42 + i] = 0;
    fat[42 + 6] = (unsigned char)(5000 >> 8); /* body_size = 5000, big-endian */
    fat[42 + 7] = (unsigned char)(5000 & 0xff);
    send_raw(a, fat);
    move_probe_z(a, seen_a, -2.0f, "client a's good pose after the skipped messages to take effect");
    std::vector<unsigned char> garbage(58, 0xff);
    send_raw(a, garbage);

    /* oversized: a TRANSFORM header announcing a 1 GiB body */
    igtl::ClientSocket::Pointer b = connect_client(srv.port);
    std::vector<unsigned char> big = packed_transform("NeedleToReference", 0.0f);
    big.resize(58);
    for (int i = 0; i < 8; i++) big[42 + i] = 0;
    big[42 + 4] = 0x40; /* body_size = 0x40000000, big-endian */
    send_raw(b, big);

    /* truncated: a header and half a body, then the client hangs up (a plain socket, so
     * the end of its stream is sent with shutdown() before anything it was sent is
     * discarded: the server reads the half message, then the end) */
    int cfd = raw_connect(srv.port, 0);
    {
        std::vector<unsigned char> half = packed_transform("NeedleToReference", 0.0f);
        half.resize(58 + 24);
        cr_assert_eq(send(cfd, half.data(), half.size(), MSG_NOSIGNAL), (ssize_t)half.size());
        shutdown(cfd, SHUT_WR);
    }

    /* the server says why, for each */
    double t0 = now_s();
    const char *expect[] = {"CRC does not match", "STRING messages are not used", "over the 4096 a pose needs",
                            "not an OpenIGTLink header",
                            "over the 16777216-byte limit", "disconnected in the middle of a message"};
    for (;;) {
        std::string err = slurp(srv.err);
        bool all = true;
        for (const char *e : expect) all = all && err.find(e) != std::string::npos;
        if (all) break;
        cr_assert(now_s() - t0 < kDeadlineS, "server stderr lacks one of the expected rejections: %s", err.c_str());
        usleep(100000);
    }

    /* a well-behaved client is served: IMAGEs arrive and its ProbeToReference moves the
     * probe (the rejected 500 mm pose never did) */
    igtl::ClientSocket::Pointer good = connect_client(srv.port);
    Seen seen;
    receive_until(good, seen, [](const Seen &x) { return x.image && x.probe; }, "an IMAGE for the good client");
    cr_expect_lt(std::fabs(seen.probe_m[2][3]), 400.0, "the pose with the bad CRC was applied");
    move_probe_z(good, seen, -3.0f, "the good client's pose to take effect");
    /* 40 more frames: the client that never reads has long filled what the kernel buffers
     * for it (about 15 frames here), so frames are dropped for it */
    for (int i = 0; i < 40; i++) {
        seen.image = false;
        receive_until(good, seen, [](const Seen &x) { return x.image; }, "another IMAGE");
    }
    good->CloseSocket();
    close(stalled);
    a->CloseSocket();
    b->CloseSocket();
    close(cfd);
    cr_assert_eq(srv.stop(), 0, "stderr: %s", slurp(srv.err).c_str());
    std::string out = slurp(srv.out);
    cr_expect(out.find("clients dropped") != std::string::npos, "no closing summary: %s", out.c_str());
    /* the client that never read had frames dropped for it rather than queued or waited for */
    size_t at = out.find(" dropped for slow clients");
    cr_assert(at != std::string::npos, "no dropped-frame count in the summary: %s", out.c_str());
    size_t num = out.rfind(", ", at);
    cr_assert(num != std::string::npos);
    long dropped = strtol(out.c_str() + num + 2, NULL, 10);
    cr_expect_gt(dropped, 0, "the stalled client's frames were dropped: %s", out.c_str());
    ts_rmtree(dir);
}

/* Eight silent connections that take nothing they are sent used to hold every slot for
 * good (issue 23): they are dropped after 10 s of stalling, so a ninth client, refused
 * while they hold the slots, is served afterwards; a client stuck halfway through a
 * header is dropped too. */
Test(cli_igtl, stalled_clients_free_their_slots)
{
    const char *dir = ts_tempdir("igtl_stall");
    std::string scen = ts_source_path("scenarios/normal-adult.json");
    Server srv;
    srv.start(dir, {scen, "--level", "L3-L4", "--view", "near-spinous"});
    int idle[8];
    for (int i = 0; i < 7; i++) idle[i] = raw_connect(srv.port, 4096);
    idle[7] = raw_connect(srv.port, 4096);
    {
        std::vector<unsigned char> part = packed_transform("ProbeToReference", 0.0f);
        cr_assert_eq(send(idle[7], part.data(), 20, MSG_NOSIGNAL), (ssize_t)20, "part of a header");
    }
    double t0 = now_s();
    for (;;) {
        std::string err = slurp(srv.err);
        if (err.find("already serving the maximum of 8 clients") != std::string::npos) break;
        int extra = raw_connect(srv.port, 0); /* refused while the eight hold the slots */
        usleep(200000);
        close(extra);
        cr_assert(now_s() - t0 < kDeadlineS, "no refusal while eight clients hold the slots: %s", err.c_str());
    }
    for (;;) {
        std::string err = slurp(srv.err);
        size_t n = 0;
        for (size_t at = err.find("idle: took nothing"); at != std::string::npos; at = err.find("idle: took nothing", at + 1))
            n++;
        if (n >= 7 && err.find("stalled in the middle of a message") != std::string::npos) break;
        cr_assert(now_s() - t0 < kDeadlineS, "the stalled clients were not dropped: %s", err.c_str());
        usleep(250000);
    }
    igtl::ClientSocket::Pointer good = connect_client(srv.port);
    Seen seen;
    receive_until(good, seen, [](const Seen &x) { return x.image; }, "an IMAGE for a client after the stalled ones");
    good->CloseSocket();
    for (int i = 0; i < 8; i++) close(idle[i]);
    cr_assert_eq(srv.stop(), 0, "stderr: %s", slurp(srv.err).c_str());
    ts_rmtree(dir);
}

/* The trainer takes tracked tools as an input device (SONOSPINE_IGTL_PORT): a
 * ProbeToReference moved 2 mm cranially moves the trainer's probe (its returned pose,
 * 0.05 mm), and the move is a logged command: the attempt replays. The window runs
 * offscreen with a script that only places the probe and lasts 20 s of simulated time. */
Test(cli_igtl, trainer_takes_tracked_tools_as_an_input_device)
{
    const char *dir = ts_tempdir("igtl_trainer");
    std::string script = std::string(dir) + "/s.txt", log = std::string(dir) + "/t.jsonl";
    cr_assert_eq(ts_write_file(script.c_str(), "0.0 probe.view L3-L4 near-spinous right\n20.0 stylet.replace\n"), 0);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    setenv("SONOSPINE_IGTL_PORT", "0", 1);
    Server srv;
    srv.spawn(dir, {"run", ts_source_path("scenarios/normal-adult.json"), "--script", script, "--exit-after-script",
                    "--log", log, "--quiet"});
    unsetenv("SONOSPINE_IGTL_PORT");
    igtl::ClientSocket::Pointer s = connect_client(srv.port);
    Seen seen;
    receive_until(s, seen, [](const Seen &x) { return x.probe; }, "the trainer's ProbeToReference");
    move_probe_z(s, seen, 2.0f, "the trainer's probe to follow the tracked probe");
    s->CloseSocket();
    cr_assert_eq(srv.wait_exit(), 0, "stderr: %s", slurp(srv.err).c_str());
    std::string logtext = slurp(log);
    cr_expect(logtext.find("\"probe.move\"") != std::string::npos, "no probe.move in the trainer's log");
    ts_run_result *r = (ts_run_result *)calloc(1, sizeof *r);
    const char *pargs[] = {"replay", log.c_str(), NULL};
    cr_expect_eq(ts_run_sonospine(r, pargs), 0, "replay: %s %s", r->out, r->err);
    free(r);
    ts_rmtree(dir);
}
