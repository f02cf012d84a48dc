#version 430
// bmode_lateral.comp: pass 3 of the GPU B-mode renderer, one invocation per (bin, line):
// the lateral speckle kernel (Gaussian of sigma_l at the bin's depth, in line units) across
// the lines' speckle splats, rescaled at the image edges to the full kernel's power, added
// to the line's specular RF bins (engine/bmode_cpu.c ss__lateral, same order, same sums).
layout(local_size_x = 64, local_size_y = 1) in;

void main()
{
    int b = int(gl_GlobalInvocationID.x), line = int(gl_GlobalInvocationID.y);
    if (b >= u_nbins || line >= u_lines) return;
    int k = int(float(b) * u_delta * u_inv_ds);
    if (k > u_nsteps - 1) k = u_nsteps - 1;
    const int L = SS_BMODE_BEAM_TABLES * (u_nsteps + 1) + k * SS_BMODE_LAT_STRIDE;
    const int J = int(beam[L]);
    int j0 = -J, j1 = J;
    if (line + j0 < 0) j0 = -line;
    if (line + j1 > u_lines - 1) j1 = u_lines - 1 - line;
    const int stride = 2 * u_nbins;
    int p = (line + j0) * stride + 2 * b;
    float re = 0.0, im = 0.0;
    for (int j = j0; j <= j1; j++, p += stride) {
        float w = beam[L + 2 + abs(j)];
        re += w * spk[p];
        im += w * spk[p + 1];
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
    int o = line * stride + 2 * b;
    bins[o] += re;
    bins[o + 1] += im;
}
