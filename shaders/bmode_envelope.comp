#version 430
// bmode_envelope.comp: pass 4 of the GPU B-mode renderer, one invocation per (sample,
// line): the axial pulse (Gaussian, sigma_a) convolved with the line's complex RF bins
// (echoes, lateral speckle and electronic noise, read through u_bins_tex) at the sample's
// depth, envelope = |IQ|;
// 0 on lines without skin contact (engine/bmode_cpu.c ss__line_image).
layout(local_size_x = 64, local_size_y = 1) in;

// the pulse kernel (ss_bmode_model.kernel, u_spb phases of 2 K + 2 taps): a uniform array, which llvmpipe gathers from
// its constant buffer in one vector load where a storage buffer costs a branch per lane
uniform float u_kern[2 * SS_BMODE_KERNEL_HALF + 2];

void main()
{
    int j = int(gl_GlobalInvocationID.x), line = int(gl_GlobalInvocationID.y);
    if (j >= u_samples || line >= u_lines) return;
    if (contact_mm[line] < 0.0) {
        env[line * u_samples + j] = 0.0;
        return;
    }
    const int bb = line * u_nbins; // texels: one per bin
    const int K = u_kernel_half;
    // the bin at or before the sample's depth (bmode_cpu.h ss_bmode_centre_bin), and the
    // taps of the sample's phase when a bin serves u_spb samples
    int cb = (2 * j + 1) * u_m / (2 * u_spb);
    int k0 = (j % u_spb) * (2 * K + 2) - cb + K;
    float re = 0.0, im = 0.0;
    int b0 = max(cb - K, 0), b1 = min(cb + K + 1, u_nbins - 1);
    for (int b = b0; b <= b1; b++) {
        float g = u_kern[k0 + b];
        vec2 rf = rf_bin(u_bins_tex, bb + b);
        re += g * rf.x;
        im += g * rf.y;
    }
    env[line * u_samples + j] = sqrt(re * re + im * im);
}
