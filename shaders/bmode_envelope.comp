#version 430
// bmode_envelope.comp: pass 3 of the GPU B-mode renderer, one invocation per (sample,
// line): the axial pulse (Gaussian, sigma_a) convolved with the line's complex RF bins at
// the sample's depth, plus deterministic complex Gaussian electronic noise (hash of seed,
// line, sample), envelope = |IQ| (engine/bmode_cpu.c ss__render_line, ss__noise).
layout(local_size_x = 64, local_size_y = 1) in;

const float PI = 3.14159265358979;

void main()
{
    int j = int(gl_GlobalInvocationID.x), line = int(gl_GlobalInvocationID.y);
    if (j >= u_samples || line >= u_lines) return;
    const int bb = line * 2 * u_nbins;
    const int K = u_kernel_half;
    int cb = int(floor((float(j) + 0.5) * float(u_m)));
    float re = 0.0, im = 0.0;
    int b0 = max(cb - K, 0), b1 = min(cb + K + 1, u_nbins - 1);
    for (int b = b0; b <= b1; b++) {
        float g = kern[b - cb + K];
        re += g * bins[bb + 2 * b];
        im += g * bins[bb + 2 * b + 1];
    }
    if ((u_flags & SS_BMODE_NO_NOISE) == 0u && u_noise_rms > 0.0) {
        uint h = ss_scatter_hash(u_seed ^ 0xA5A5A5A5u, ivec3(line, j, 0x7FFF));
        uint h2 = ss_scatter_rehash(h);
        float u1 = (float(h >> 8) + 0.5) * (1.0 / 16777216.0);
        float u2 = float(h2 >> 8) * (1.0 / 16777216.0);
        float rad = sqrt(-2.0 * log(u1));
        re += u_noise_rms * 0.70710678 * (rad * cos(2.0 * PI * u2));
        im += u_noise_rms * 0.70710678 * (rad * sin(2.0 * PI * u2));
    }
    env[line * u_samples + j] = sqrt(re * re + im * im);
}
