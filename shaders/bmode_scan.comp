#version 430
// bmode_scan.comp: pass 6 of the GPU B-mode renderer, one invocation per image pixel:
// scan conversion through the per-pixel (line, sample) map (engine/scan_convert.c,
// uploaded once per geometry as an RG32F texture; line < 0 = outside the sector),
// bilinear between the four neighbouring grey values, rounded to 8 bits into the R8
// image texture the app draws directly (row 0 = the top of the image, next to the probe).
layout(local_size_x = 8, local_size_y = 8) in;

uniform sampler2D u_map;   // texelFetch only
uniform ivec2 u_image_size;
layout(r8, binding = 0) writeonly uniform image2D u_image;

void main()
{
    ivec2 px = ivec2(gl_GlobalInvocationID.xy);
    if (px.x >= u_image_size.x || px.y >= u_image_size.y) return;
    vec2 ls = texelFetch(u_map, px, 0).rg;
    float outv = 0.0;
    if (ls.x >= 0.0) {
        float lf = ls.x, sf = clamp(ls.y, 0.0, float(u_samples - 1));
        int l0 = min(int(lf), u_lines - 2), s0 = min(int(sf), u_samples - 2);
        float fl = lf - float(l0), fs = sf - float(s0);
        int ia = l0 * u_samples + s0, ib = ia + u_samples;
        float val = (1.0 - fl) * ((1.0 - fs) * grey[ia] + fs * grey[ia + 1]) +
                    fl * ((1.0 - fs) * grey[ib] + fs * grey[ib + 1]);
        outv = val <= 0.0 ? 0.0 : val >= 255.0 ? 255.0 : floor(val + 0.5);
    }
    imageStore(u_image, px, vec4(outv / 255.0));
}
