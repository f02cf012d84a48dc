#version 330 core
// ui.vert: the widget set's triangles (src/ui/ui.c): window units, y down.
layout(location = 0) in vec2 a_pos;
layout(location = 1) in vec2 a_uv;
layout(location = 2) in vec4 a_col;
uniform vec2 u_view;
out vec2 v_uv;
out vec4 v_col;
void main()
{
    v_uv = a_uv;
    v_col = a_col;
    gl_Position = vec4(a_pos.x / u_view.x * 2.0 - 1.0, 1.0 - a_pos.y / u_view.y * 2.0, 0.0, 1.0);
}
