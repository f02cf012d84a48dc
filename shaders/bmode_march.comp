#version 430
// bmode_march.comp: pass 1 of the GPU B-mode renderer, one invocation per scan line
// (engine/bmode_cpu.c ss__line_rf up to the speckle splat: ss__gap, ss__march_ray,
// ss__crossing, ss__merge_events, ss__needle, ss__line_labels; same order, same arithmetic):
//   (the RF bins arrive cleared: glClearBufferData before this pass);
//   - contact: the element pressed in along the probe's beam (u_press, computed on the CPU
//     side per frame by ss_bmode_press_mm), the signed gap to the skin; a line more than
//     SS_BMODE_GEL_MM above it sees nothing (contact -1, labels AIR, no pieces); an element
//     inside the skin starts at the skin and the first u_k_stretch steps are stretched;
//   - marches every elevation ray with a fixed step: interfaces (sub-voxel crossing, R,
//     Snell refraction between soft tissues, total reflection, soft interfaces passed at
//     grazing incidence), tau
//     (two-way amplitude) per step; the echoes each ray finds are recorded as events and
//     merged into the RF after all rays (ss__merge_events); the central ray records its
//     straight pieces for the speckle pass and its label per sample;
//   - the analytic needle: shaft echo, reverberation, tip echo, partial shadow on tau, and
//     STEEL in the label map where a sample lies inside the shaft.
// Layout (bmode_gpu.c, ss_bmode_gpu_options.march_lanes): SS__RAY_LANES 1, the default: an
// invocation a line, marching its elevation rays one after the other, 8 lines a work
// group (llvmpipe runs them as one SIMD vector). SS__RAY_LANES 8: a line's rays marched side
// by side, an invocation each (8 >= SS_BMODE_MAX_RAYS; those past u_nrays idle), 4 lines a
// work group of 32; after
// a barrier the line's first invocation merges the echoes and adds the needle, as the
// single invocation does after its last ray: the same steps in the same order, the image bit
// for bit the default's. Meant for GPUs, where the default's chain per line (3 rays x ~400
// steps at the default settings) is likely the longest of the frame; not yet measured on one.
// Shared declarations: bmode_common.glsl (inserted by the C side).
#define SS__RAY_LANES SS_BMODE_GPU_MARCH_LANES
layout(local_size_x = SS_BMODE_GPU_MARCH_GROUP) in;
#if SS__RAY_LANES > 1
#define SS__RAY_LINES SS_BMODE_GPU_MARCH_LINES
shared int ev_count[SS__RAY_LINES * SS_BMODE_MAX_RAYS]; // each ray's echo count, for the merge
#endif

uniform int u_has_needle;
uniform vec3 u_needle_tip, u_needle_dir;
uniform float u_needle_len, u_needle_od;
uniform vec3 u_press_vec;   // press_mm * pose.axis_y, multiplied in C as the CPU does
uniform int u_contact;      // 0 with SS_BMODE_NO_CONTACT
uniform float u_gap_step;   // 0.5 ds: the gap search step
uniform int u_gap_steps;    // (int)(SS_BMODE_CONTACT_SEARCH_MM / u_gap_step)
uniform int u_skin_steps;   // ss_bmode_skin_solid_steps(u_gap_step)
uniform int u_k_stretch;    // (int)ceilf(SS_BMODE_COMPRESSION_MM / ds)
uniform int u_label_words;  // words of 4 labels per line

// per-invocation state: the events each ray recorded, the label map being written
int ev_n[SS_BMODE_MAX_RAYS];
int lab_j;      // next sample whose label is due
uint lab_word;  // its word, being filled

int event_base(int line, int r) { return (line * u_nrays + r) * SS_BMODE_GPU_MAX_EVENTS; }

// ss__event_add
void event_add(int line, int r, float a, float echo, uint key)
{
    if (ev_n[r] >= SS_BMODE_GPU_MAX_EVENTS || !(echo > 0.0)) return;
    events[event_base(line, r) + ev_n[r]] = Event(a, echo, key);
    ev_n[r]++;
}

// the labels of the samples whose step index (ss__line_labels) is k: the central ray is in
// `lab` at the start of step k; called for k = 0 .. nsteps in order
void emit_labels(int line, int k, int lab)
{
    while (lab_j < u_samples) {
        precise float x = (float(lab_j) + 0.5) * u_dz * u_inv_ds;
        int ks = clamp(int(x), 0, u_nsteps);
        if (ks > k) return;
        int sh = (lab_j & 3) * 8;
        lab_word |= uint(lab) << sh;
        if ((lab_j & 3) == 3 || lab_j == u_samples - 1) {
            label_words[line * u_label_words + (lab_j >> 2)] = lab_word;
            lab_word = 0u;
        }
        lab_j++;
    }
}

void put_piece(int line, int i, vec3 A, float a0, vec3 d, float a1, vec3 u, vec3 v, float sc)
{
    int o = (line * SS_BMODE_MAX_PIECES + i) * 4;
    pieces[o] = vec4(A, a0);
    pieces[o + 1] = vec4(d, a1);
    pieces[o + 2] = vec4(u, sc);
    pieces[o + 3] = vec4(v, 0.0);
}

vec3 surface_normal(vec3 p, bool hard)
{
    float h = vol_spacing_mm * (hard ? 1.0 : 1.5);
    vec3 n;
    for (int a = 0; a < 3; a++) {
        vec3 q1 = p, q0 = p;
        q1[a] += h;
        q0[a] -= h;
        n[a] = trilinear(q1, hard) - trilinear(q0, hard);
    }
    return n;
}

// ss__crossing: where between p (t = 0) and p + step d (t = 1) the surface lies, searched
// over t in [-1, 2], brackets [0,1], [-1,0], [1,2] in that order; 0.5 without a bracket
float crossing(vec3 p, vec3 d, float step, bool sdf, float target)
{
    float f[4];
    for (int i = 0; i < 4; i++) {
        precise float t = float(i - 1) * step;
        precise vec3 q = p + t * d;
        f[i] = trilinear(q, sdf) - target;
    }
    const int order[3] = int[3](1, 0, 2);
    for (int o = 0; o < 3; o++) {
        int i = order[o];
        if ((f[i] > 0.0) != (f[i + 1] > 0.0) && f[i] != f[i + 1]) return float(i - 1) + f[i] / (f[i] - f[i + 1]);
    }
    return 0.5;
}

// ss__march_ray: ray r of the line from O; the first k_stretch steps cover stretch x ds
void march_ray(int line, int r, vec3 O, vec3 D, vec3 U, vec3 V, bool record, float stretch, int k_stretch)
{
    const int tb = (line * u_nrays + r) * (u_nsteps + 1);
    vec3 p = O, d = D, u = U, v = V;
    float t = 1.0;
    ev_n[r] = 0;
    int lab = label_at(p);
    float metal_in_a = -1.0, metal_amp = 0.0;
    bool through_bone = false; // behind bone the beam is incoherent: no specular echoes
    const float a_end = u_depth + 4.0 * u_sigma_a;
    int np = 0;
    if (record) {
        np = 1;
        put_piece(line, 0, p, 0.0, d, a_end, u, v, 1.0 / stretch);
    }
    const bool specular = (u_flags & SS_BMODE_NO_SPECULAR) == 0u;
    // Runs of steps with no interface (cheap: two label reads and the attenuation), each
    // ended by the interface it meets, handled outside the run: on SIMD hardware and
    // llvmpipe a branch inside a loop costs every step its whole body, taken or not, so
    // the interface's work (crossing, normal, echo, refraction) is paid per interface, not
    // per step. The steps, their order and their arithmetic are those of ss__march_ray.
    int k = 0;
    for (;;) {
        // the run ends at the end of the march or, in the compressed layer, at its bottom
        const int kend = stretch != 1.0 ? min(k_stretch, u_nsteps) : u_nsteps;
        bool hit = false, stop = false;
        float a = 0.0, st = 0.0;
        precise vec3 q = p;
        int nl = lab;
        // the current label's attenuation, impedance and speed, carried from step to step
        // (each step reads only the next label's)
        float att_l = lab_att[lab], z_l = lab_z[lab], c_l = lab_c[lab];
        for (; k < kend; k++) {
            // as ss__march_ray: an off-centre ray behind bone and under the cull has no more to give
            if (!record && through_bone && t < u_tau_floor) {
                stop = true;
                break;
            }
            tau[tb + k] = t;
            if (record) emit_labels(line, k, lab);
            a = float(k) * u_ds;
            st = u_ds * stretch; // path covered by this step
            q = p + st * d;
            nl = label_at(q);
            const float att_n = lab_att[nl], z_n = lab_z[nl], c_n = lab_c[nl];
            t *= att_l * att_n;
            if (nl != lab && (z_n != z_l || c_n != c_l)) {
                hit = true;
                break;
            }
            lab = nl;
            p = q;
            att_l = att_n;
            z_l = z_n;
            c_l = c_n;
        }
        if (stop) break;
        if (!hit) {
            if (k >= u_nsteps) break;
            // k == k_stretch: out of the compressed layer (the piece ends where step k starts)
            stretch = 1.0;
            if (record && np < SS_BMODE_MAX_PIECES) {
                float ak = float(k) * u_ds;
                pieces[(line * SS_BMODE_MAX_PIECES + np - 1) * 4 + 1].w = ak;
                put_piece(line, np, p, ak, d, a_end, u, v, 1.0);
                np++;
            }
            continue;
        }
        // the interface step k meets
        bool hard = lab_cls[nl] != SS_BMODE_CLASS_SOFT || lab_cls[lab] != SS_BMODE_CLASS_SOFT;
        float fcross = hard ? crossing(p, d, st, true, 0.0) : crossing(p, d, st, false, 0.5 * (lab_z[lab] + lab_z[nl]));
        precise float ac = a + fcross * u_ds; // the echo's depth
        fcross = min(max(fcross, 0.0), 1.0); // the ray bends within this step
        precise vec3 pc = p + fcross * st * d;
        vec3 n = surface_normal(pc, hard);
        float nn = sqrt(dot(n, n));
        if (nn < 1e-6) {
            n = -d;
        } else {
            n /= nn;
            if (dot(n, d) > 0.0) n = -n;
        }
        float cosi = -dot(n, d);
        if (cosi > 1.0) cosi = 1.0;
        if (!hard && cosi < u_grazing_cos) {
            // a soft surface along the beam: passed (no echo, no loss, no bending)
            lab = nl;
            p = q;
            k++;
            continue;
        }
        float sini = sqrt(max(0.0, 1.0 - cosi * cosi));
        float z1 = lab_z[lab], z2 = lab_z[nl];
        float eta = lab_c[nl] / lab_c[lab];
        float sint = eta * sini, R, T, cost = 0.0;
        if (sint >= 1.0) {
            R = 1.0;
            T = 0.0;
        } else {
            cost = sqrt(1.0 - sint * sint);
            float rr = (z2 * cosi - z1 * cost) / (z2 * cosi + z1 * cost);
            R = rr * rr;
            T = 1.0 - R;
        }
        int cl = max(lab_cls[nl], lab_cls[lab]);
        float inv = cl == SS_BMODE_CLASS_METAL ? u_dir_metal : cl == SS_BMODE_CLASS_BONE ? u_dir_bone : u_dir_soft;
        float th = acos(cosi);
        float echo = sqrt(R) * exp(-th * th * inv) * t;
        if (specular && !through_bone) event_add(line, r, ac, echo, uint(lab) << 8 | uint(nl));
        through_bone = through_bone || lab_cls[nl] == SS_BMODE_CLASS_BONE;
        if (lab_cls[nl] == SS_BMODE_CLASS_METAL && lab_cls[lab] != SS_BMODE_CLASS_METAL) {
            metal_in_a = ac;
            metal_amp = echo;
        } else if (lab_cls[lab] == SS_BMODE_CLASS_METAL && lab_cls[nl] != SS_BMODE_CLASS_METAL &&
                   metal_in_a >= 0.0) {
            float step = (ac - metal_in_a) * SS_PROBE_C0_M_S / lab_c[lab];
            float amp = metal_amp;
            if (specular && !through_bone && step > 0.2)
                for (int i = 1; i <= u_reverb_count; i++) {
                    amp *= u_reverb_decay;
                    event_add(line, r, metal_in_a + float(i) * step, amp, SS_BMODE_EV_REVERB);
                }
            metal_in_a = -1.0;
        }
        t *= T;
        if (T <= 0.0) {
            lab = nl;
            p = q;
            k++;
            break;
        }
        // refraction in soft tissue only (what enters bone or metal is lost in its shadow)
        // bend in the image plane only: the normal's component along v is dropped
        // (engine/bmode_cpu.c, same tests in the same order)
        vec3 np_ = vec3(0.0);
        float ci = 0.0, ct = 0.0;
        bool bend = (u_flags & SS_BMODE_NO_REFRACTION) == 0u && !hard && eta != 1.0 && cosi < 0.99999;
        if (bend) {
            float nv = dot(n, v);
            np_ = n - nv * v;
            float nn2 = sqrt(dot(np_, np_));
            bend = nn2 > 1e-3;
            if (bend) {
                np_ /= nn2;
                ci = -dot(np_, d);
                float st2 = eta * eta * (1.0 - ci * ci);
                bend = ci > 0.0 && st2 < 1.0 && ci < 0.99999;
                if (bend) ct = sqrt(1.0 - st2);
            }
        }
        if (bend) {
            vec3 nd = normalize0(eta * d + (eta * ci - ct) * np_);
            float vd = dot(v, nd);
            v = normalize0(v - vd * nd);
            u = cross(nd, v);
            d = nd;
            float rest = (1.0 - fcross) * st;
            q = pc + rest * d;
            if (record && np < SS_BMODE_MAX_PIECES) {
                precise float ap = a + fcross * u_ds;
                pieces[(line * SS_BMODE_MAX_PIECES + np - 1) * 4 + 1].w = ap;
                put_piece(line, np, pc, ap, d, a_end, u, v, 1.0 / stretch);
                np++;
            }
        }
        lab = nl;
        p = q;
        k++;
    }
    if (record) {
        // past the end of the ray (total reflection) the labels go on straight
        for (int kk = k; kk <= u_nsteps; kk++) {
            emit_labels(line, kk, lab);
            precise vec3 step = u_ds * (kk < k_stretch ? stretch : 1.0) * d;
            p = p + step;
            lab = label_at(p);
        }
        npieces[line] = np;
    }
    for (; k <= u_nsteps; k++) tau[tb + k] = t;
}

// ss__merge_events: the central ray's echoes weighted by the rays that found the same
// interface within SS_BMODE_EVENT_MATCH_MM, then the outer rays' unmatched echoes
void merge_events(int line)
{
    const int bb = line * 2 * u_nbins;
    const int c = u_nrays / 2;
    const int ec = event_base(line, c);
    for (int i = 0; i < ev_n[c]; i++) {
        Event e = events[ec + i];
        float cov = u_ray_w[c];
        for (int r = 0; r < u_nrays; r++) {
            if (r == c) continue;
            const int er = event_base(line, r);
            int best = -1;
            float bd = SS_BMODE_EVENT_MATCH_MM;
            for (int k = 0; k < ev_n[r]; k++) {
                Event o = events[er + k];
                float dd = abs(o.a - e.a);
                if (o.key == e.key && dd <= bd) { // (used events carry bit 16 in key)
                    bd = dd;
                    best = k;
                }
            }
            if (best >= 0) {
                events[er + best].key |= 0x10000u;
                cov += u_ray_w[r];
            }
        }
        deposit(bb, e.a, e.echo * cov);
    }
    for (int r = 0; r < u_nrays; r++) {
        if (r == c) continue;
        const int er = event_base(line, r);
        for (int k = 0; k < ev_n[r]; k++) {
            Event o = events[er + k];
            if (o.key < 0x10000u) deposit(bb, o.a, o.echo * u_ray_w[r]);
        }
    }
}

// ---------------------------------------------------------------- needle (ss__needle)
float erf_approx(float x)
{
    // Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7 (GLSL has no erf)
    float s = x < 0.0 ? -1.0 : 1.0;
    x = abs(x);
    float t = 1.0 / (1.0 + 0.3275911 * x);
    float y = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
    return s * (1.0 - y * exp(-x * x));
}

void segment_closest(vec3 p0, vec3 p1, vec3 q0, vec3 q1, out float s_out, out float t_out)
{
    vec3 d1 = p1 - p0, d2 = q1 - q0, r = p0 - q0;
    float a = dot(d1, d1), e = dot(d2, d2), f = dot(d2, r);
    float c = dot(d1, r), b = dot(d1, d2);
    float den = a * e - b * b, s, t;
    s = den > 1e-9 * a * e ? (b * f - c * e) / den : 0.0;
    s = min(1.0, max(0.0, s));
    t = (b * s + f) / e;
    if (t < 0.0) {
        t = 0.0;
        s = min(1.0, max(0.0, -c / a));
    } else if (t > 1.0) {
        t = 1.0;
        s = min(1.0, max(0.0, (b - c) / a));
    }
    s_out = s;
    t_out = t;
}

int step_index(float a)
{
    int k = int(a / u_ds);
    return k < 0 ? 0 : k >= u_nsteps ? u_nsteps - 1 : k;
}

float tau_at(int tb, float a)
{
    int k = int(a / u_ds);
    k = clamp(k, 0, u_nsteps);
    return tau[tb + k];
}

void needle(int line)
{
    vec3 n = normalize0(u_needle_dir);
    float r = 0.5 * u_needle_od;
    vec3 tip = u_needle_tip;
    vec3 hub = tip - u_needle_len * n;
    const bool specular = (u_flags & SS_BMODE_NO_SPECULAR) == 0u;
    const int bb = line * 2 * u_nbins;
    int np = npieces[line];
    float best = 1e30, best_a = 0.0;
    vec3 best_w = vec3(0.0);
    int best_p = -1;
    float tip_best = 1e30, tip_a = 0.0;
    vec3 tip_w = vec3(0.0);
    int tip_p = -1;
    for (int i = 0; i < np; i++) {
        int o = (line * SS_BMODE_MAX_PIECES + i) * 4;
        vec3 A = pieces[o].xyz, d = pieces[o + 1].xyz;
        float sc = pieces[o + 2].w;
        float a0 = pieces[o].w, a1 = min(pieces[o + 1].w, u_depth);
        if (a1 <= a0) continue;
        float len = (a1 - a0) / sc; // path length of the piece
        vec3 p1 = A + len * d;
        float sp, tq;
        segment_closest(A, p1, tip, hub, sp, tq);
        float a = a0 + sp * (a1 - a0);
        vec3 w = tip + tq * (hub - tip) - (A + sp * len * d);
        float dist = dot(w, w);
        if (dist < best) {
            best = dist;
            best_a = a;
            best_p = i;
            best_w = w;
        }
        vec3 rel = tip - A;
        float at = dot(rel, d);
        if (at < 0.0) at = 0.0;
        if (at > len) at = len;
        vec3 wt = rel - at * d;
        float dt = dot(wt, wt);
        if (dt < tip_best) {
            tip_best = dt;
            tip_a = a0 + at * sc;
            tip_p = i;
            tip_w = wt;
        }
    }
    const int tb0 = (line * u_nrays + u_nrays / 2) * (u_nsteps + 1);
    if (best_p >= 0) {
        int o = (line * SS_BMODE_MAX_PIECES + best_p) * 4;
        vec3 Pd = pieces[o + 1].xyz, Pu = pieces[o + 2].xyz, Pv = pieces[o + 3].xyz;
        int k = step_index(best_a);
        float l = dot(best_w, Pu), e = dot(best_w, Pv);
        float nl = dot(n, Pu), ne = dot(n, Pv), nrm = sqrt(nl * nl + ne * ne);
        float nu_l = 1.0, nu_e = 0.0, al_l = 0.0, al_e = 0.0;
        if (nrm > 1e-3) {
            nu_l = -ne / nrm;
            nu_e = nl / nrm;
            al_l = nl / nrm;
            al_e = ne / nrm;
        } else if (l * l + e * e > 1e-12) {
            float wn = sqrt(l * l + e * e);
            nu_l = l / wn;
            nu_e = e / wn;
        }
        float rho = l * nu_l + e * nu_e, along = l * al_l + e * al_e;
        float sl = beam_at(5, k), se = beam_at(6, k);
        float Sa = sqrt(sl * sl * nu_l * nu_l + se * se * nu_e * nu_e);
        float Sb = sqrt(sl * sl * al_l * al_l + se * se * al_e * al_e);
        float amp_frac = 0.5 * (erf_approx((rho + r) / (1.41421356 * Sa)) - erf_approx((rho - r) / (1.41421356 * Sa)));
        float int_frac = 0.5 * (erf_approx((rho + r) / Sa) - erf_approx((rho - r) / Sa));
        float end = Sb > 0.0 ? exp(-along * along / (2.0 * Sb * Sb)) : 1.0;
        float W = amp_frac * end;
        if (W > 1e-4) {
            vec3 dn = cross(Pd, n);
            float sinphi = max(sqrt(dot(dn, dn)), 0.05);
            float theta = acos(min(1.0, sinphi));
            float rr = (u_z_steel - u_z_muscle) / (u_z_steel + u_z_muscle), R = rr * rr;
            float dist = sqrt(best);
            float half_ = dist < r ? sqrt(r * r - dist * dist) / sinphi : 0.0;
            float af = best_a - half_;
            float tau_af = tau_at(tb0, af);
            float echo = sqrt(R) * exp(-theta * theta * u_dir_needle) * W * tau_af;
            float diffuse = sqrt(R) * u_needle_diffuse * exp(-theta * theta * u_dir_needle_diffuse) * W * tau_af;
            if (specular && echo + diffuse > 0.0) {
                deposit(bb, af, echo + diffuse);
                // ring-down: all of the specular echo, half of the rough-surface one
                float step = 2.0 * r / sinphi, amp = echo + 0.5 * diffuse;
                for (int j = 1; j <= u_reverb_count; j++) {
                    amp *= u_reverb_decay;
                    deposit(bb, af + float(j) * step, amp);
                }
            }
            float block = int_frac * end * (1.0 - (1.0 - R) * (1.0 - R));
            int k0 = step_index(af + 2.0 * r / sinphi);
            for (int ry = 0; ry < u_nrays; ry++) {
                int tb = (line * u_nrays + ry) * (u_nsteps + 1);
                for (int kk = k0; kk <= u_nsteps; kk++) tau[tb + kk] *= 1.0 - block;
            }
        }
    }
    if (tip_p >= 0 && specular) {
        int o = (line * SS_BMODE_MAX_PIECES + tip_p) * 4;
        vec3 Pu = pieces[o + 2].xyz, Pv = pieces[o + 3].xyz;
        int k = step_index(tip_a);
        float l = dot(tip_w, Pu), e = dot(tip_w, Pv);
        float W = exp(-l * l * beam_at(0, k) - e * e * beam_at(1, k));
        if (W > 1e-4 && tip_a < u_depth) deposit(bb, tip_a, u_tip_amplitude * W * tau_at(tb0, tip_a));
    }
}

// ss__line_labels, second half: STEEL where a sample on the central ray's pieces lies
// inside the needle's shaft
void needle_labels(int line)
{
    vec3 n = normalize0(u_needle_dir);
    const float r2 = 0.25 * u_needle_od * u_needle_od;
    const int np = npieces[line];
    int piece = 0;
    for (int j = 0; j < u_samples; j++) {
        float a = (float(j) + 0.5) * u_dz;
        while (piece + 1 < np && a >= pieces[(line * SS_BMODE_MAX_PIECES + piece + 1) * 4].w) piece++;
        int o = (line * SS_BMODE_MAX_PIECES + piece) * 4;
        vec3 A = pieces[o].xyz, d = pieces[o + 1].xyz;
        float a0 = pieces[o].w, sc = pieces[o + 2].w;
        precise vec3 q = A + (a - a0) / sc * d;
        vec3 w = q - u_needle_tip;
        float along = dot(w, n); // <= 0 behind the tip, >= -length at the hub
        if (along > 0.0 || along < -u_needle_len) continue;
        float perp2 = dot(w, w) - along * along;
        if (perp2 <= r2) {
            int wi = line * u_label_words + (j >> 2), sh = (j & 3) * 8;
            label_words[wi] = bitfieldInsert(label_words[wi], uint(SS_TISSUE_STEEL), sh, 8);
        }
    }
}

// ss__gap: the signed gap from the element O along D to the skin: > 0 above it (searched
// u_gap_steps half steps ahead; 2 x SS_BMODE_CONTACT_SEARCH_MM when no tissue is met),
// < 0 inside the tissue (the depth to the skin behind it)
float gap(vec3 O, vec3 D)
{
    if (label_at(O) == SS_TISSUE_AIR) {
        int first = 0; // start of the run of tissue the line is in (the skin: u_skin_steps long)
        for (int i = 1; i <= u_gap_steps; i++) {
            precise float sc = float(i) * u_gap_step;
            precise vec3 q = O + sc * D;
            if (label_at(q) == SS_TISSUE_AIR) {
                first = 0;
                continue;
            }
            if (first == 0) first = i;
            if (i - first + 1 >= u_skin_steps) return float(first) * u_gap_step;
        }
        return first != 0 ? float(first) * u_gap_step : 2.0 * SS_BMODE_CONTACT_SEARCH_MM;
    }
    for (int i = 1; i <= u_gap_steps; i++) {
        precise float sc = float(i) * u_gap_step;
        precise vec3 q = O - sc * D;
        if (label_at(q) == SS_TISSUE_AIR) return -(sc - 0.5 * u_gap_step);
    }
    return -SS_BMODE_CONTACT_SEARCH_MM;
}

void main()
{
#if SS__RAY_LANES > 1
    const int sub = int(gl_LocalInvocationID.x) / SS__RAY_LANES, ray = int(gl_LocalInvocationID.x) % SS__RAY_LANES;
    const int line = int(gl_WorkGroupID.x) * SS__RAY_LINES + sub;
    bool busy = line < u_lines;
#else
    const int line = int(gl_GlobalInvocationID.x), ray = 0;
    bool busy = line < u_lines;
#endif
    const bool lead = ray == 0; // writes what belongs to the line as a whole
    float stretch = 1.0, e = 0.0;
    int k_stretch = 0;
    vec3 O = vec3(0.0), D = vec3(0.0), U = vec3(0.0), V = vec3(0.0);
    if (busy) {
        O = line_geo[4 * line].xyz;
        D = line_geo[4 * line + 1].xyz;
        U = line_geo[4 * line + 2].xyz;
        V = line_geo[4 * line + 3].xyz;
        // (the speckle splat of this line arrives cleared: glClearBufferData)
        if (u_contact != 0) {
            O = O + u_press_vec;
            float g = gap(O, D);
            if (g > SS_BMODE_GEL_MM) {
                // no skin contact: black line, labels AIR, nothing for the later passes
                if (lead) {
                    contact_mm[line] = -1.0;
                    npieces[line] = 0;
                    const uint air4 = uint(SS_TISSUE_AIR) * 0x01010101u;
                    for (int i = 0; i < u_label_words; i++) label_words[line * u_label_words + i] = air4;
                }
                busy = false;
            } else if (g < 0.0) {
                e = -g;
                precise vec3 skin = O - e * D; // start at the skin
                O = skin;
                k_stretch = u_k_stretch;
                precise float sv = 1.0 + e / (float(k_stretch) * u_ds);
                stretch = sv;
            }
        }
    }
    const int ncen = u_nrays / 2;
    if (busy) {
        if (lead) contact_mm[line] = e;
        lab_j = 0;
        lab_word = 0u;
#if SS__RAY_LANES > 1
        if (ray < u_nrays) {
            precise vec3 Or = O + u_ray_e[ray] * V;
            march_ray(line, ray, Or, D, U, V, ray == ncen, stretch, k_stretch);
            ev_count[sub * SS_BMODE_MAX_RAYS + ray] = ev_n[ray];
        }
#else
        for (int r = 0; r < u_nrays; r++) {
            precise vec3 Or = O + u_ray_e[r] * V;
            march_ray(line, r, Or, D, U, V, r == ncen, stretch, k_stretch);
        }
#endif
    }
#if SS__RAY_LANES > 1
    // every ray's tau, events and (the central ray's) pieces and labels written and seen
    memoryBarrierBuffer();
    memoryBarrierShared();
    barrier();
    if (busy && lead)
        for (int r = 0; r < u_nrays; r++) ev_n[r] = ev_count[sub * SS_BMODE_MAX_RAYS + r];
#endif
    if (busy && lead) {
        merge_events(line);
        if (u_has_needle != 0) {
            needle(line);
            needle_labels(line);
        }
    }
}
