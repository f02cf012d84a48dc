#version 430
// bmode_march.comp: pass 1 of the GPU B-mode renderer, one invocation per scan line
// (engine/bmode_cpu.c ss__march_ray + ss__needle, same order, same arithmetic):
//   (the RF bins arrive cleared: glClearBufferData before this pass);
//   - marches every elevation ray with a fixed step: interfaces (R, Snell, total
//     reflection), tau (two-way amplitude) per step, interface echoes, metal ring-down;
//     the central ray records its straight pieces for the speckle pass;
//   - the analytic needle: shaft echo, reverberation, tip echo, partial shadow on tau.
// Shared declarations: bmode_common.glsl (inserted by the C side).
layout(local_size_x = 8) in;

uniform int u_has_needle;
uniform vec3 u_needle_tip, u_needle_dir;
uniform float u_needle_len, u_needle_od;

void put_piece(int line, int i, vec3 A, float a0, vec3 d, float a1, vec3 u, vec3 v)
{
    int o = (line * SS_BMODE_MAX_PIECES + i) * 4;
    pieces[o] = vec4(A, a0);
    pieces[o + 1] = vec4(d, a1);
    pieces[o + 2] = vec4(u, 0.0);
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

void march_ray(int line, int r, vec3 O, vec3 D, vec3 U, vec3 V, float w, bool record)
{
    const int tb = (line * u_nrays + r) * (u_nsteps + 1);
    const int bb = line * 2 * u_nbins;
    vec3 p = O, d = D, u = U, v = V;
    float t = 1.0;
    int lab = label_at(p);
    float metal_in_a = -1.0, metal_amp = 0.0;
    int np = 0;
    if (record) {
        np = 1;
        put_piece(line, 0, p, 0.0, d, u_depth + 4.0 * u_sigma_a, u, v);
    }
    const bool specular = (u_flags & SS_BMODE_NO_SPECULAR) == 0u;
    int k;
    for (k = 0; k < u_nsteps; k++) {
        tau[tb + k] = t;
        float a = float(k) * u_ds;
        vec3 q = p + u_ds * d;
        int nl = label_at(q);
        t *= lab_att[lab] * lab_att[nl];
        if (nl != lab && (lab_z[nl] != lab_z[lab] || lab_c[nl] != lab_c[lab])) {
            bool hard = lab_cls[nl] != SS_BMODE_CLASS_SOFT || lab_cls[lab] != SS_BMODE_CLASS_SOFT;
            float fcross = 0.5;
            if (hard) {
                float s0 = trilinear(p, true), s1 = trilinear(q, true);
                if ((s0 > 0.0) != (s1 > 0.0) && s0 != s1) fcross = s0 / (s0 - s1);
            }
            float ac = a + fcross * u_ds;
            vec3 pc = p + (fcross * u_ds) * d;
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
            if (specular && echo > 0.0) deposit(bb, ac, echo * w);
            if (lab_cls[nl] == SS_BMODE_CLASS_METAL && lab_cls[lab] != SS_BMODE_CLASS_METAL) {
                metal_in_a = ac;
                metal_amp = echo;
            } else if (lab_cls[lab] == SS_BMODE_CLASS_METAL && lab_cls[nl] != SS_BMODE_CLASS_METAL &&
                       metal_in_a >= 0.0) {
                float step = (ac - metal_in_a) * SS_PROBE_C0_M_S / lab_c[lab];
                float amp = metal_amp;
                if (specular && step > 0.2)
                    for (int i = 1; i <= u_reverb_count; i++) {
                        amp *= u_reverb_decay;
                        deposit(bb, metal_in_a + float(i) * step, amp * w);
                    }
                metal_in_a = -1.0;
            }
            t *= T;
            if (T <= 0.0) {
                k++;
                break;
            }
            if ((u_flags & SS_BMODE_NO_REFRACTION) == 0u && eta != 1.0 && cosi < 0.99999) {
                vec3 nd = normalize0(eta * d + (eta * cosi - cost) * n);
                float vd = dot(v, nd);
                v = normalize0(v - vd * nd);
                u = cross(nd, v);
                d = nd;
                float rest = (1.0 - fcross) * u_ds;
                q = pc + rest * d;
                if (record && np < SS_BMODE_MAX_PIECES) {
                    pieces[(line * SS_BMODE_MAX_PIECES + np - 1) * 4 + 1].w = ac;
                    put_piece(line, np, pc, ac, d, u_depth + 4.0 * u_sigma_a, u, v);
                    np++;
                }
            }
        }
        lab = nl;
        p = q;
    }
    for (; k <= u_nsteps; k++) tau[tb + k] = t;
    if (record) npieces[line] = np;
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
        float a0 = pieces[o].w, a1 = min(pieces[o + 1].w, u_depth);
        if (a1 <= a0) continue;
        vec3 p1 = A + (a1 - a0) * d;
        float sp, tq;
        segment_closest(A, p1, tip, hub, sp, tq);
        float a = a0 + sp * (a1 - a0);
        vec3 w = tip + tq * (hub - tip) - (A + (a - a0) * d);
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
        if (at > a1 - a0) at = a1 - a0;
        vec3 wt = rel - at * d;
        float dt = dot(wt, wt);
        if (dt < tip_best) {
            tip_best = dt;
            tip_a = a0 + at;
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
                float step = 2.0 * r / sinphi, amp = echo;
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

// contact (ss__contact): distance to the first non-gel voxel at whole steps, 0 if none
float contact(vec3 O, vec3 D)
{
    if ((u_flags & SS_BMODE_NO_CONTACT) != 0u || label_at(O) != SS_TISSUE_AIR) return 0.0;
    for (int i = 1; i <= u_contact_steps; i++) {
        precise float sc = float(i) * u_ds;
        precise vec3 q = O + sc * D;
        if (label_at(q) != SS_TISSUE_AIR) return sc;
    }
    return 0.0;
}

void main()
{
    int line = int(gl_GlobalInvocationID.x);
    if (line >= u_lines) return;
    vec3 O = line_geo[4 * line].xyz, D = line_geo[4 * line + 1].xyz;
    vec3 U = line_geo[4 * line + 2].xyz, V = line_geo[4 * line + 3].xyz;
    float s0 = contact(O, D);
    O += s0 * D;
    contact_mm[line] = s0;
    // (the speckle splat of this line arrives cleared: glClearBufferData)
    const int ncen = u_nrays / 2;
    for (int r = 0; r < u_nrays; r++) {
        vec3 Or = O + u_ray_e[r] * V;
        march_ray(line, r, Or, D, U, V, u_ray_w[r], r == ncen);
    }
    if (u_has_needle != 0) needle(line);
}
