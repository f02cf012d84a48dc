#version 430
// bmode_grey.comp: pass 5 of the GPU B-mode renderer, one invocation per (sample, line):
// TGC (8 sliders interpolated in depth, optional automatic 2 alpha f z), gain and log
// compression B = 255 clip((20 log10 E - display_ref_db + G + DR) / DR) (engine/bmode_cpu.c
// ss__line_image).
layout(local_size_x = 64, local_size_y = 1) in;

void main()
{
    int j = int(gl_GlobalInvocationID.x), line = int(gl_GlobalInvocationID.y);
    if (j >= u_samples || line >= u_lines) return;
    float z = (float(j) + 0.5) * u_dz;
    float x = z / u_depth * float(SS_BMODE_TGC_SLIDERS) - 0.5;
    int i0 = int(floor(x));
    float f = x - float(i0), tg;
    if (i0 < 0)
        tg = u_tgc_db[0];
    else if (i0 >= SS_BMODE_TGC_SLIDERS - 1)
        tg = u_tgc_db[SS_BMODE_TGC_SLIDERS - 1];
    else
        tg = (1.0 - f) * u_tgc_db[i0] + f * u_tgc_db[i0 + 1];
    float gdb = u_gain_db + tg + (u_tgc_auto != 0 ? u_tgc_lin_db_per_mm * z : 0.0);
    float e = env[line * u_samples + j];
    float b = e > 0.0 ? 255.0 * (20.0 * log(e) * 0.43429448190325176 - u_display_ref_db + gdb + u_dr_db) / u_dr_db : 0.0;
    grey[line * u_samples + j] = clamp(b, 0.0, 255.0);
}
