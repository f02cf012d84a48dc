#version 330 core
// ui.frag: mode 0 = font atlas coverage (solid fills use its white texel),
// 1 = RGBA texture, 2 = R8 texture shown as grey (the B-mode image).
in vec2 v_uv;
in vec4 v_col;
uniform sampler2D u_tex;
uniform int u_mode;
out vec4 o_col;
void main()
{
    vec4 t = texture(u_tex, v_uv);
    if (u_mode == 0)
        o_col = vec4(v_col.rgb, v_col.a * t.r);
    else if (u_mode == 1)
        o_col = t * v_col;
    else
        o_col = vec4(vec3(t.r), 1.0) * v_col;
}
