#version 430
// bmode_lateral.comp: pass 3 of the GPU B-mode renderer, one invocation per (bin, line) of
// a line in contact with the skin (engine/bmode_cpu.c ss__add_noise, ss__lateral,
// ss__line_image; same order, same sums), dispatched in two stages (u_stage):
//   0, speckle and noise on: the electronic noise (table entry picked by a hash of seed,
//                line, bin; scaled per march step by noise_spk) added to every contact
//                line's speckle splat in place, spk + scale * noise, as the CPU does
//                before the kernel (same two roundings); once per bin, where adding it on
//                the fly to each neighbour's value cost 2J + 1 hashes and table reads a bin;
//   1, speckle on: the lateral speckle kernel (Gaussian of sigma_l at the bin's depth, in
//                line units) across the lines' (noisy) splats (read through u_spk_tex,
//                after stage 0's writes: a texture-fetch barrier), rescaled at the image edges
//                to the full kernel's power, added to the line's specular RF bins;
//   1, speckle off: only the noise, scaled by noise_bins, added to the RF bins.
// Lines without contact get nothing, and contribute neither splat nor noise.
layout(local_size_x = 64, local_size_y = 1) in;

uniform int u_stage; // 0: noise into the splats, 1: kernel (see above)

void main()
{
    int b = int(gl_GlobalInvocationID.x), line = int(gl_GlobalInvocationID.y);
    if (b >= u_nbins || line >= u_lines || contact_mm[line] < 0.0) return;
    const bool noise = (u_flags & SS_BMODE_NO_NOISE) == 0u && u_noise_rms > 0.0;
    const int o = line * 2 * u_nbins + 2 * b;
    if (u_stage == 0) {
        int kn = int(float(b) * u_delta * u_inv_ds);
        float nsc = beam_at(9, min(kn, u_nsteps)); // noise_spk
        int h = noise_index(line, b);
        precise vec2 sn = vec2(spk[o], spk[o + 1]) + nsc * vec2(noise_tab[2 * h], noise_tab[2 * h + 1]);
        spk[o] = sn.x;
        spk[o + 1] = sn.y;
        return;
    }
    if ((u_flags & SS_BMODE_NO_SPECKLE) != 0u) {
        if (noise) {
            int h = noise_index(line, b);
            precise vec2 nb = vec2(bins[o], bins[o + 1]) + u_noise_bins * vec2(noise_tab[2 * h], noise_tab[2 * h + 1]);
            bins[o] = nb.x;
            bins[o + 1] = nb.y;
        }
        return;
    }
    int k = int(float(b) * u_delta * u_inv_ds);
    if (k > u_nsteps - 1) k = u_nsteps - 1;
    const int L = SS_BMODE_BEAM_TABLES * (u_nsteps + 1) + k * SS_BMODE_LAT_STRIDE;
    const int J = int(beam[L]);
    int j0 = -J, j1 = J;
    if (line + j0 < 0) j0 = -line;
    if (line + j1 > u_lines - 1) j1 = u_lines - 1 - line;
    float re = 0.0, im = 0.0;
    for (int j = j0; j <= j1; j++) {
        float w = beam[L + 2 + abs(j)];
        vec2 s = rf_bin(u_spk_tex, (line + j) * u_nbins + b);
        re += w * s.x;
        im += w * s.y;
    }
    if (j0 != -J || j1 != J) {
        float sq = 0.0, cr = 0.0;
        for (int j = j0; j <= j1; j++) {
            float w = beam[L + 2 + abs(j)];
            sq += w * w;
            if (j < j1) cr += w * beam[L + 2 + abs(j + 1)];
        }
        float f = sqrt(beam[L + 1] / ((2.0 / 3.0) * sq + (1.0 / 3.0) * cr));
        re *= f;
        im *= f;
    }
    bins[o] += re;
    bins[o + 1] += im;
}
