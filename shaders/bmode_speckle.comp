#version 430
// bmode_speckle.comp: pass 2 of the GPU B-mode renderer: the world-fixed scatterers within
// one line spacing (lateral) and 1.5 elevation sigmas of the central ray's straight pieces
// (engine/bmode_cpu.c ss__speckle_piece, same sweep, same tests, same arithmetic), splatted
// with a lateral hat weight, the tissue's microstructure (tissue_texture.h) and their exact
// axial phase into the line's speckle bins (the lateral Gaussian and the electronic noise
// follow in pass 3, bmode_lateral.comp). A piece maps path to displayed depth with its
// scale sc (< 1 in the layer the probe compresses).
// Work: (line, axial chunk) pairs. A chunk owns the scatterers whose axial coordinate a
// lies in [chunk * u_chunk_mm, (chunk + 1) * u_chunk_mm) (the last chunk to the end), so
// the chunks of one line partition the CPU's set of scatterers exactly. A scatterer writes
// bins floor(a / delta) and the next, so neighbouring chunks could touch one common bin:
// even chunks run in one dispatch, odd ones in the next (u_parity), and no two work groups
// of a dispatch ever write the same bin.
// Layout (bmode_gpu.c, ss_bmode_gpu_options): a work group holds SS__LINES lines of one
// chunk, SS__LANES invocations to a line.
//   SS__LANES 1 (the default, 8 lines a group): an invocation sweeps its (line, chunk)
//     alone and adds each deposit straight into the line's bins, in the CPU's order.
//     llvmpipe runs the 8 as one SIMD vector; each loads storage buffers one lane at a
//     time, which makes this the faster layout there (docs/gpu.md).
//   SS__LANES > 1: the line's invocations share each slab's cells (a contiguous
//     SS__LANES-th each) so that they run the same pieces, slabs and runs; each adds its
//     deposits into its own row of the chunk's bins in shared memory, and at the end the
//     rows are summed in lane order into the line's bins: deterministic, the same
//     scatterers and weights, the sums in another order (float rounding only). Meant for
//     GPUs, where 8-wide groups fill a quarter of a warp and 6,900 invocations a dispatch
//     (256 x 1024) leave most of the chip idle; not yet measured on one.
// Scatterers whose ray's two-way transmission is under u_tau_floor are culled as on the CPU
// (SS_BMODE_SPECKLE_CULL_DB below the noise); a chunk wholly past the line's cull does nothing.
// A slab's cells (an invocation's share of them) go through in runs of SS__RUN scatterers,
// in two loops: a cheap screen of every scatterer of the run (hash, position, the depth
// range and the per-depth tube), which keeps the survivors' place in the run, in order;
// then the tissue, the ray's transmission, the weights and the splat for the survivors
// alone (about a third). On a GPU, and on llvmpipe, the lanes of a group run a loop's
// whole body under a mask, branches taken or not, so one loop with early `continue`s paid
// the splat's twenty-odd table reads for every cell. Same scatterers, same order, same
// arithmetic: the image is bit for bit that of one loop.
// Where a strip of the tube runs slanted across a slab's rows of cells (the probe turned
// about its beam against the volume's axes, as on every rotated scoliotic spine), each row
// is swept only over the cells the strip can reach (row_cells, as the CPU's ss__row_cells):
// 59-62 % fewer cells on cases 4, 6 and 7, the same scatterers in the same order.
#define SS__LANES SS_BMODE_GPU_SPECKLE_LANES
#define SS__LINES SS_BMODE_GPU_SPECKLE_LINES
#define SS__NB SS_BMODE_GPU_CHUNK_BINS // bins of a row (SS__LANES > 1)
layout(local_size_x = SS_BMODE_GPU_SPECKLE_GROUP, local_size_y = 1) in; // SS__LANES x SS__LINES

#define SS__RUN 32
#define SS__ROWS 32 // rows of a slab bounded one by one at most (more: the slab's box)

uniform int u_parity, u_nchunks, u_group_stride;
uniform float u_chunk_mm;

#if SS__LANES > 1
// the chunk's bins, a row per invocation: (re, im) of bin b0 + i at 2 i, 2 i + 1
shared float acc[SS__LINES * SS__LANES * 2 * SS__NB];

// a scatterer's deposit into row `row` of the chunk's bins (first bin b0)
void deposit_acc(int row, int b0, float a, float amp)
{
    int b;
    float f, re, im;
    if (!bin_phasor(a, amp, b, f, re, im)) return;
    int i = b - b0;
    if (i < 0 || i >= SS__NB - 1) return; // never: a chunk's bins fit its rows (bmode_gpu.c)
    int o = row + 2 * i;
    acc[o] += (1.0 - f) * re;
    acc[o + 1] += (1.0 - f) * im;
    acc[o + 2] += f * re;
    acc[o + 3] += f * im;
}
#endif

// Scatterer sk of lattice cell (i1, i2) of slab sl (the sweep's axes m, n1, n2): its
// hash and position (ss_scatter_hash, ss_scatter_nth, ss_scatter_position)
vec3 scatterer(int m, int n1, int n2, int sl, int i1, int i2, int sk, out uint hs)
{
    ivec3 ic;
    ic[m] = sl;
    ic[n1] = i1;
    ic[n2] = i2;
    uint h0 = ss_scatter_hash(u_seed, ic);
    hs = sk == 0 ? h0 : ss_scatter_nth(h0, sk);
    return ss_scatter_position(hs, ic, u_cell);
}

// The cells of a row that one strip of the tube can reach, narrowed into [lo, hi]
// (bmode_cpu.c ss__row_cells, the same bound and margin): along the cells the strip is
// g + w1 x (x relative to the piece's start A1, g between gmin and gmax over the row's
// cells), and |g + w1 x| <= sw.
void row_cells(float gmin, float gmax, float sw, float iw1, float A1, float inv_h, inout int lo, inout int hi)
{
    float x0 = (-sw - gmax) * iw1, x1 = (sw - gmin) * iw1;
    if (iw1 < 0.0) {
        float t = x0;
        x0 = x1;
        x1 = t;
    }
    const float marg = SS_BMODE_ROW_MARGIN_MM + SS_BMODE_ROW_MARGIN_REL * abs(A1);
    const float flo = float(lo), fhi = float(hi) + 1.0;
    lo = max(lo, int(floor(clamp((A1 + x0 - marg) * inv_h, flo, fhi))));
    hi = min(hi, int(floor(clamp((A1 + x1 + marg) * inv_h, flo - 1.0, fhi))));
}

// The screen of scatterer sk of cell (i1, i2) of slab sl: inside the piece's depth range
// [ca0, ca1) and the per-depth tube
bool screen(int m, int n1, int n2, int sl, int i1, int i2, int sk, vec3 A, vec3 d, vec3 u, vec3 v, float a0,
            float sc, float ca0, float ca1)
{
    uint hs;
    vec3 rel = scatterer(m, n1, n2, sl, i1, i2, sk, hs) - A;
    float a = a0 + sc * dot(rel, d);
    int k = int(a * u_inv_ds);
    float l = dot(rel, u), e = dot(rel, v);
    bool keep = a >= ca0 && a < ca1 && k < u_nsteps;
    int kc = clamp(k, 0, u_nsteps - 1);
    const int ns1 = u_nsteps + 1;
    return keep && l * l < beam[2 * ns1 + kc] && e * e <= beam[3 * ns1 + kc];
}

int step_index(float a)
{
    int k = int(a / u_ds);
    return k < 0 ? 0 : k >= u_nsteps ? u_nsteps - 1 : k;
}

// Piece pi of the line within [c0, c1): this invocation's share (lane of SS__LANES) of
// each slab, deposited straight into the line's bins (one lane) or into row `row` of the
// chunk's bins from b0.
void speckle_piece(int line, int pi, float c0, float c1, int lane, int row, int b0)
{
    const int o = (line * SS_BMODE_MAX_PIECES + pi) * 4;
    const vec3 A = pieces[o].xyz, d = pieces[o + 1].xyz, u = pieces[o + 2].xyz, v = pieces[o + 3].xyz;
    const float a0 = pieces[o].w;
    const float sc = pieces[o + 2].w, isc = 1.0 / sc; // displayed depth per mm of path, and back
    float a1 = min(pieces[o + 1].w, u_depth + 4.0 * u_sigma_a);
    float ca0 = max(a0, c0), ca1 = min(a1, c1);
    if (ca1 <= ca0) return;
    const float h = u_cell;
    const int bb = line * 2 * u_nbins;
    int m = 0;
    if (abs(d[1]) > abs(d[m])) m = 1;
    if (abs(d[2]) > abs(d[m])) m = 2;
    int n1 = m == 0 ? 1 : 0, n2 = m == 2 ? 1 : 2;
    float dm = d[m];
    int k0s = step_index(ca0), k1s = step_index(ca1);
    float wl = max(beam_at(7, k0s), beam_at(7, k1s));
    float we = SS_BMODE_TUBE_SIGMAS * max(beam_at(6, k0s), beam_at(6, k1s));
    float E = wl * abs(u[m]) + we * abs(v[m]);
    float Pm0 = A[m] + (ca0 - a0) * isc * dm, Pm1 = A[m] + (ca1 - a0) * isc * dm;
    float tlo = min(Pm0, Pm1) - E, thi = max(Pm0, Pm1) + E;
    int slab0 = int(floor(tlo / h)), slab1 = int(floor(thi / h));
    float r1 = d[n1] / dm, r2 = d[n2] / dm;
    float u1 = u[n1] - u[m] * r1, v1 = v[n1] - v[m] * r1;
    float u2 = u[n2] - u[m] * r2, v2 = v[n2] - v[m] * r2;
    const int ncen = u_nrays / 2;
    const float inv_de = u_ray_de > 0.0 ? 1.0 / u_ray_de : 0.0;
    const int ns1 = u_nsteps + 1;
    // Each row's own cells (as ss__speckle_piece): the tube is the crossing of the lateral
    // strip (q = 0, across u) and the elevation strip (q = 1, across v); where one runs
    // slanted across the rows (the probe turned about its beam against the volume's axes,
    // as on the rotated scoliotic spines) the slab's box holds up to three times the cells
    // it can reach in any one row. wm, w2, iw1: the strip's direction along the slab and
    // row axes, and 1 over it along the cells.
    float wm[2], w2[2], iw1[2];
    bool strip[2];
    const float inv_h = 1.0 / h, box = 2.0 * (wl * abs(u1) + we * abs(v1)) + h * abs(r1);
    for (int q = 0; q < 2; q++) {
        const vec3 w = q == 0 ? u : v;
        wm[q] = w[m];
        w2[q] = w[n2];
        // worth a row's own bounds only where they leave out a cell a row or more
        const float rw = (2.0 * (q == 0 ? wl : we) + h * (abs(w[m]) + abs(w[n2]))) / abs(w[n1]);
        strip[q] = abs(w[n1]) >= SS_BMODE_ROW_MIN_W1 && rw < box - h;
        iw1[q] = strip[q] ? 1.0 / w[n1] : 0.0;
    }
    const bool by_row = strip[0] || strip[1];
    for (int sl = slab0; sl <= slab1; sl++) {
        float t0 = float(sl) * h, t1 = t0 + h;
        float aa = a0 + sc * (t0 - A[m] - E) / dm, ab = a0 + sc * (t1 - A[m] + E) / dm;
        float alo = max(ca0, min(aa, ab)), ahi = min(ca1, max(aa, ab));
        if (alo >= ahi) continue;
        int ka = step_index(alo), kb = step_index(ahi);
        float swl = max(beam_at(7, ka), beam_at(7, kb));
        float swe = SS_BMODE_TUBE_SIGMAS * max(beam_at(6, ka), beam_at(6, kb));
        float ext1 = swl * abs(u1) + swe * abs(v1), ext2 = swl * abs(u2) + swe * abs(v2);
        float c1a = A[n1] + (t0 - A[m]) * r1, c1b = A[n1] + (t1 - A[m]) * r1;
        float c2a = A[n2] + (t0 - A[m]) * r2, c2b = A[n2] + (t1 - A[m]) * r2;
        int i1lo = int(floor((min(c1a, c1b) - ext1) / h)), i1hi = int(floor((max(c1a, c1b) + ext1) / h));
        int i2lo = int(floor((min(c2a, c2b) - ext2) / h)), i2hi = int(floor((max(c2a, c2b) + ext2) / h));
        // the rows' own cells, [rlo, rhi] from i1lo (rows that reach none: rhi < rlo)
        const int w1 = i1hi - i1lo + 1, nrows = i2hi - i2lo + 1;
        const bool rows = by_row && nrows <= SS__ROWS;
        int rlo[SS__ROWS], rhi[SS__ROWS];
        int ncell = w1 * nrows * u_per_cell;
        if (rows) {
            // the slab's span along its axis, relative to the piece's start, times each
            // strip's direction along it
            const float s0 = float(sl) * h - A[m], s1 = s0 + h;
            ncell = 0;
            for (int j = 0; j < nrows; j++) {
                int lo = i1lo, hi = i1hi;
                const float c2a = float(i2lo + j) * h - A[n2], c2b = c2a + h;
                for (int q = 0; q < 2; q++)
                    if (strip[q])
                        row_cells(min(s0 * wm[q], s1 * wm[q]) + min(c2a * w2[q], c2b * w2[q]),
                                  max(s0 * wm[q], s1 * wm[q]) + max(c2a * w2[q], c2b * w2[q]), q == 0 ? swl : swe,
                                  iw1[q], A[n1], inv_h, lo, hi);
                rlo[j] = lo - i1lo;
                rhi[j] = hi - i1lo;
                ncell += max(hi - lo + 1, 0) * u_per_cell;
            }
        }
        // the slab's scatterers (cells x draws, draws fastest, the cells of a row next,
        // then the rows), this invocation's contiguous share [rb, re) of them, in runs:
        // the screen, then the splat of the survivors (see the header)
        const int rb = lane * ncell / SS__LANES, re = (lane + 1) * ncell / SS__LANES;
        // where the share starts, for the rows' own cells: row j2, cell j1 (from i1lo), draw
        // sk (the box's cells work it out at each run)
        int j1 = 0, j2 = 0, sk = 0;
        if (rows) {
            int before = 0;
            for (j2 = 0; j2 < nrows; j2++) {
                const int in_row = max(rhi[j2] - rlo[j2] + 1, 0) * u_per_cell;
                if (before + in_row > rb) break;
                before += in_row;
            }
            j1 = (j2 < nrows ? rlo[j2] : 0) + (rb - before) / u_per_cell;
            sk = (rb - before) % u_per_cell;
        }
        for (int r0 = rb; r0 < re; r0 += SS__RUN) {
            int n = 0, r1 = min(r0 + SS__RUN, re);
            int kept[SS__RUN];
            // two loops, one for each way of walking the cells, so that the box's (the
            // normal adult's views, all of a vector's lanes) never pays for the rows' table
            // (llvmpipe runs a branch's body under a mask, and skips a loop no lane is in)
            if (!rows) {
                int b1 = (r0 / u_per_cell) % w1, b2 = (r0 / u_per_cell) / w1, bk = r0 % u_per_cell;
                for (int r = r0; r < r1; r++) {
                    const bool keep = screen(m, n1, n2, sl, i1lo + b1, i2lo + b2, bk, A, d, u, v, a0, sc, ca0, ca1);
                    kept[n] = b1 | (b2 << 10) | (bk << 20);
                    n += keep ? 1 : 0;
                    bk++;
                    if (bk == u_per_cell) {
                        bk = 0;
                        b1++;
                    }
                    if (b1 == w1) {
                        b1 = 0;
                        b2++;
                    }
                }
            } else {
                for (int r = r0; r < r1; r++) {
                    const bool keep = screen(m, n1, n2, sl, i1lo + j1, i2lo + j2, sk, A, d, u, v, a0, sc, ca0, ca1);
                    kept[n] = j1 | (j2 << 10) | (sk << 20);
                    n += keep ? 1 : 0;
                    sk++;
                    if (sk == u_per_cell) {
                        sk = 0;
                        j1++;
                    }
                    // past the row's last cell: the next row that has one
                    if (j1 > rhi[j2]) {
                        j2++;
                        while (j2 < nrows && rhi[j2] < rlo[j2]) j2++;
                        j1 = j2 < nrows ? rlo[j2] : 0;
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                uint hs;
                vec3 pos = scatterer(m, n1, n2, sl, i1lo + (kept[i] & 1023), i2lo + ((kept[i] >> 10) & 1023),
                                     kept[i] >> 20, hs);
                vec3 rel = pos - A;
                float a = a0 + sc * dot(rel, d);
                int k = int(a * u_inv_ds);
                float l = dot(rel, u);
                float e = dot(rel, v);
                float e2 = e * e;
                int lab = label_at(pos);
                float amp = lab_amp[lab];
                if (amp <= 0.0) continue;
                uint h2 = ss_scatter_rehash(hs);
                float occ = float(h2 & 0xFFFFu) * (1.0 / 65536.0);
                float au = 1.7320508 * ((float(h2 >> 16) + 0.5) * (1.0 / 32768.0) - 1.0);
                if (occ >= lab_pocc[lab]) continue;
                int ry = ncen + int(roundEven(e * inv_de));
                ry = clamp(ry, 0, u_nrays - 1);
                float t = tau[(line * u_nrays + ry) * ns1 + k];
                if (!(t > 0.0 && t >= u_tau_floor)) continue;
                float q = e2 * beam[ns1 + k] * (float(SS_BMODE_GAUSS_N) / SS_BMODE_GAUSS_QMAX);
                int qi = int(q);
                float qf = q - float(qi);
                float gw = (1.0 - qf) * gauss_tab[qi] + qf * gauss_tab[qi + 1];
                float hw = 1.0 - abs(l) * beam[8 * ns1 + k];
                int tk = lab_tex[lab];
                if (tk >= 0) amp *= tex_tab[tk * SS_TEXTURE_N * SS_TEXTURE_N + texture_index(pos)];
                float w = amp * au * t * beam[4 * ns1 + k] * (gw * hw);
#if SS__LANES > 1
                deposit_acc(row, b0, a, w);
#else
                deposit_spk(bb, a, w);
#endif
            }
        }
    }
}

void main()
{
    // which (group of SS__LINES lines, chunk) this work group takes: its index in the
    // dispatch times u_group_stride (coprime with the number of groups), modulo that
    // number, a permutation that spreads the shallow chunks (most of the work) and the
    // deep, culled ones over any run of consecutive groups: llvmpipe hands each of its
    // threads one such run
    const uint ngx = gl_NumWorkGroups.x, ng = ngx * gl_NumWorkGroups.y;
    const uint g = (((gl_WorkGroupID.y * ngx + gl_WorkGroupID.x) * uint(u_group_stride)) % ng);
    const int sub = int(gl_LocalInvocationID.x) / SS__LANES, lane = int(gl_LocalInvocationID.x) % SS__LANES;
    const int line = int(g % ngx) * SS__LINES + sub, chunk = int(g / ngx) * 2 + u_parity;
    bool busy = line < u_lines && chunk < u_nchunks;
    const float c0 = float(chunk) * u_chunk_mm;
    const float c1 = chunk == u_nchunks - 1 ? 1e30 : float(chunk + 1) * u_chunk_mm;
    // the cull (ss__cull_depth): a ray's transmission never rises with depth, so when every
    // ray is under the floor a step before the chunk starts, every scatterer of it is culled
    if (busy && u_tau_floor > 0.0) {
        int k0 = max(int(c0 * u_inv_ds) - 1, 0);
        if (k0 <= u_nsteps) {
            bool any = false;
            for (int r = 0; r < u_nrays; r++) any = any || tau[(line * u_nrays + r) * (u_nsteps + 1) + k0] >= u_tau_floor;
            busy = any;
        }
    }
    const int b0 = int(c0 * u_inv_delta), row = int(gl_LocalInvocationID.x) * 2 * SS__NB;
#if SS__LANES > 1
    // the chunk's bins from b0: as many as its depths reach, and the next
    const int nb = busy ? clamp(int(min(c1, u_depth + 4.0 * u_sigma_a) * u_inv_delta) - b0 + 2, 0, SS__NB) : 0;
    for (int i = 0; i < 2 * nb; i++) acc[row + i] = 0.0; // each invocation its own row
#endif
    if (busy) {
        int np = npieces[line];
        for (int i = 0; i < np; i++) speckle_piece(line, i, c0, c1, lane, row, b0);
    }
#if SS__LANES > 1
    memoryBarrierShared();
    barrier();
    // the line's rows summed in lane order into its speckle bins, the line's invocations
    // taking every SS__LANES-th value
    if (busy) {
        const int first = sub * SS__LANES * 2 * SS__NB, base = line * 2 * u_nbins + 2 * b0;
        const int nf = min(2 * nb, 2 * (u_nbins - b0));
        for (int i = lane; i < nf; i += SS__LANES) {
            float s = 0.0;
            for (int k = 0; k < SS__LANES; k++) s += acc[first + k * 2 * SS__NB + i];
            spk[base + i] += s;
        }
    }
#endif
}
