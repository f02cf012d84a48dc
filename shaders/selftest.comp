#version 430
// selftest.comp: a small compute shader that proves the GL pipeline works
// (context, shader lookup, prelude, storage buffers, dispatch, read-back).
// For each i: out[i] = round-trip amplitude factor of a wave of `freq_mhz` after a
// depth of i * `step_mm` in tissue with attenuation `alpha_db_cm_mhz`:
//   10^(-2 * alpha * f * d_cm / 20)
// plus SS_TISSUE_COUNT * 1000 in element 0's sibling buffer to prove the prelude
// from the C tissue table arrived.
layout(local_size_x = 64) in;
layout(std430, binding = 0) writeonly buffer Out { float amp[]; };
layout(std430, binding = 1) writeonly buffer Meta { int tissue_count; };
uniform float alpha_db_cm_mhz;
uniform float freq_mhz;
uniform float step_mm;
uniform uint n;

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i == 0u) tissue_count = SS_TISSUE_COUNT;
    if (i >= n) return;
    float d_cm = float(i) * step_mm * 0.1;
    amp[i] = pow(10.0, -2.0 * alpha_db_cm_mhz * freq_mhz * d_cm / 20.0);
}
