#version 430
// bare_march.comp: the baseline for `sonospine bench`: for every sample of every scan
// line, one label fetch from the tissue volume and nothing else (no physics). The full
// renderer is measured against this march of the same size in the same run.
// One invocation per (sample, line); lines given as world-space origin + unit direction.
layout(local_size_x = 64, local_size_y = 1) in;

uniform usampler3D vol_labels;
uniform vec3 vol_origin_mm;
uniform float vol_spacing_mm;
uniform ivec3 vol_size;

uniform int n_lines;
uniform int n_samples;
uniform float sample_spacing_mm;

struct Line { vec4 origin_mm; vec4 dir; };
layout(std430, binding = 0) readonly buffer Lines { Line lines[]; };
layout(r8ui, binding = 0) writeonly uniform uimage2D out_labels; // x = sample, y = line

void main()
{
    int s = int(gl_GlobalInvocationID.x), l = int(gl_GlobalInvocationID.y);
    if (s >= n_samples || l >= n_lines) return;
    vec3 p = lines[l].origin_mm.xyz + lines[l].dir.xyz * ((float(s) + 0.5) * sample_spacing_mm);
    ivec3 v = ivec3(floor((p - vol_origin_mm) / vol_spacing_mm + 0.5));
    uint label = 0u;
    if (all(greaterThanEqual(v, ivec3(0))) && all(lessThan(v, vol_size)))
        label = texelFetch(vol_labels, v, 0).r;
    imageStore(out_labels, ivec2(s, l), uvec4(label));
}
