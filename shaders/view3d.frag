#version 330 core
// view3d.frag: mode 0 = lit colour (two-sided Lambert, light from the viewer),
// mode 1 = the B-mode image (R8) on the image plane, black made transparent.
in vec3 v_normal;
in vec2 v_uv;
uniform vec4 u_color;
uniform vec3 u_light_dir;
uniform int u_mode;
uniform sampler2D u_tex;
out vec4 o_col;
void main()
{
    if (u_mode == 1) {
        float g = texture(u_tex, v_uv).r;
        o_col = vec4(vec3(g), u_color.a * smoothstep(0.0, 0.08, g) * 0.85 + 0.15 * u_color.a);
        return;
    }
    vec3 n = normalize(v_normal);
    float d = abs(dot(n, u_light_dir));
    o_col = vec4(u_color.rgb * (0.35 + 0.65 * d), u_color.a);
}
