// bmode_common.glsl: what every pass of the GPU B-mode renderer shares (engine/gpu/bmode_gpu.c
// inserts it, after the tissue labels and the SS_BMODE_* constants generated from the C
// headers, right behind each pass's #version line). The physics is the CPU reference's
// (engine/bmode_cpu.c); every table below is filled from the same C code
// (ss_bmode_model_make: per-label values from ss_tissue_get(), beam tables, pulse kernel,
// phasor and Gaussian tables), never written here.

// ---------------------------------------------------------------- storage buffers
layout(std430, binding = 0) readonly buffer Tables {
    float lab_z[256];      // impedance (MRayl)
    float lab_c[256];      // speed of sound (m/s)
    float lab_att[256];    // two-way amplitude factor over half a march step
    float lab_pocc[256];   // scatterer occupancy probability
    float lab_amp[256];    // scatterer amplitude factor
    int lab_cls[256];      // SS_BMODE_CLASS_*
    float cos_tab[SS_BMODE_PHASE_N + 1];
    float sin_tab[SS_BMODE_PHASE_N + 1];
    float gauss_tab[SS_BMODE_GAUSS_N + 2];
    float noise_tab[2 * SS_BMODE_NOISE_N]; // complex Gaussian noise values (re, im), E|n|^2 = 1
    int lab_tex[256];      // tissue_texture.h table per label, -1 none (or textures off)
};
// SS_BMODE_BEAM_TABLES tables of nsteps + 1: inv2sl2, inv2se2, lim_l2, lim_e2, norm, sig_l,
// sig_e, hat, inv_hat, noise_spk; then the lateral speckle kernels, SS_BMODE_LAT_STRIDE per
// step (J, bracket, w_0 .. w_LAT_MAX) (ss_bmode_model)
layout(std430, binding = 1) readonly buffer Beam { float beam[]; };
// per line: origin, direction, lateral (u), elevation (v) in the patient frame
layout(std430, binding = 2) readonly buffer Lines { vec4 line_geo[]; };
// per line and elevation ray: two-way amplitude factor per march step
layout(std430, binding = 3) coherent buffer Tau { float tau[]; };
// per line, up to SS_BMODE_MAX_PIECES straight pieces of the central ray:
// 4 vec4 each: (A, a0), (d, a1), (u, sc), (v, 0); displayed depth a = a0 + sc * (path from A)
layout(std430, binding = 4) coherent buffer Pieces { vec4 pieces[]; };
layout(std430, binding = 5) coherent buffer NPieces { int npieces[]; };
// per line: 2 * nbins floats (re, im) of the complex RF before the axial pulse
layout(std430, binding = 6) coherent buffer Bins { float bins[]; };
layout(std430, binding = 7) coherent buffer Env { float env[]; };
layout(std430, binding = 8) coherent buffer Grey { float grey[]; };
// the tissue volume as bytes (x fastest, 4 per uint): labels and hard_sdf (int8, units of
// SS_VOLUME_SDF_RANGE_MM / 127). Plain loads: on llvmpipe a texelFetch of a 3D texture
// costs several times more, and these are read ~50 times per interface (normals).
layout(std430, binding = 9) readonly buffer VolLabels { uint vol_label_words[]; };
layout(std430, binding = 10) readonly buffer VolSdf { uint vol_sdf_words[]; };
// per line: 2 * nbins floats of the speckle splat before the lateral kernel (pass 2 -> 3)
layout(std430, binding = 11) coherent buffer SpkBins { float spk[]; };
// The same RF bins (Bins) and speckle bins (SpkBins) as buffer textures (RG32UI: one texel
// per bin, the bits of its real and imaginary part, so that no float conversion of the
// texture path can touch them) for the passes that only read them across lanes (the
// lateral kernel, the envelope): llvmpipe loads a storage buffer one SIMD lane at a time
// under a branch but fetches texels as one gather (docs/gpu.md, "Texel views").
uniform usamplerBuffer u_bins_tex; // texture unit 3
uniform usamplerBuffer u_spk_tex;  // texture unit 4
vec2 rf_bin(usamplerBuffer t, int i) { return uintBitsToFloat(texelFetch(t, i).xy); }
// per line: tissue compressed under the line's element (mm; 0 touching or through gel),
// -1 = no skin contact (ss_bmode_frame.line_contact_mm)
layout(std430, binding = 12) coherent buffer Contact { float contact_mm[]; };
// per line and elevation ray, SS_BMODE_GPU_MAX_EVENTS echoes the ray found (march pass
// scratch, merged into the line's RF at the end of the pass): depth, echo, key | used << 16
struct Event {
    float a, echo;
    uint key;
};
layout(std430, binding = 13) coherent buffer Events { Event events[]; };
// per line, u_label_words words of 4 labels (samples fastest, byte j & 3 of word j >> 2):
// the central ray's label per sample, STEEL inside the needle (ss_bmode_frame.labels)
layout(std430, binding = 14) coherent buffer LabelsOut { uint label_words[]; };
// tissue_texture.h: SS_TEXTURE_KINDS tables of SS_TEXTURE_N x SS_TEXTURE_N amplitude factors
layout(std430, binding = 15) readonly buffer TexTable { float tex_tab[]; };

// ---------------------------------------------------------------- uniforms
uniform vec3 vol_origin_mm; // the volume's frame (its labels and SDF: VolLabels, VolSdf)
uniform float vol_spacing_mm;
uniform float vol_inv_sp; // 1 / spacing computed in C, as the CPU does
uniform ivec3 vol_size;

uniform int u_lines, u_samples;
uniform float u_ds, u_inv_ds, u_depth, u_sigma_a, u_delta, u_inv_delta, u_phase_scale, u_cell;
uniform int u_m, u_spb, u_nbins, u_nsteps, u_nrays, u_per_cell, u_kernel_half; // u_m bins a sample, or one every u_spb samples
uniform float u_dz;          // sample spacing (mm)
uniform float u_noise_bins;  // noise rms per RF bin without the lateral kernel
uniform float u_display_ref_db;
uniform float u_grazing_cos;
uniform float u_ray_de;
uniform float u_tau_floor;   // speckle cull: no splat below this two-way transmission (ss_bmode_tau_floor)
uniform float u_ray_e[SS_BMODE_MAX_RAYS], u_ray_w[SS_BMODE_MAX_RAYS];
uniform float u_dir_soft, u_dir_bone, u_dir_metal, u_dir_needle, u_dir_needle_diffuse, u_needle_diffuse;
uniform float u_noise_rms, u_tgc_lin_db_per_mm;
uniform uint u_seed, u_flags;
uniform float u_reverb_decay, u_tip_amplitude;
uniform int u_reverb_count;
uniform float u_gain_db, u_dr_db, u_tgc_db[SS_BMODE_TGC_SLIDERS];
uniform int u_tgc_auto;
uniform float u_z_steel, u_z_muscle;

int nsteps1() { return u_nsteps + 1; }
float beam_at(int table, int k) { return beam[table * (u_nsteps + 1) + k]; }

// ---------------------------------------------------------------- volume access (as ss__label_at)
int vol_index(ivec3 i) { return i.x + vol_size.x * (i.y + vol_size.y * i.z); }
int vol_label(ivec3 i)
{
    int o = vol_index(i);
    return int(bitfieldExtract(vol_label_words[o >> 2], (o & 3) * 8, 8));
}
float vol_sdf_mm(ivec3 i)
{
    int o = vol_index(i);
    return float(bitfieldExtract(int(vol_sdf_words[o >> 2]), (o & 3) * 8, 8)) * (SS_VOLUME_SDF_RANGE_MM / 127.0);
}

int label_at(vec3 p)
{
    precise vec3 g = (p - vol_origin_mm) * vol_inv_sp + 0.5;
    ivec3 i = ivec3(floor(g));
    if (any(lessThan(i, ivec3(0))) || any(greaterThanEqual(i, vol_size))) return SS_TISSUE_AIR;
    return vol_label(i);
}

// trilinear hard_sdf (mm; outside: SDF range) or impedance of the labels (outside: gel)
float trilinear(vec3 p, bool sdf)
{
    precise vec3 g = (p - vol_origin_mm) * vol_inv_sp;
    ivec3 i0 = ivec3(floor(g));
    vec3 f = g - vec3(i0);
    float acc = 0.0;
    for (int c = 0; c < 8; c++) {
        ivec3 idx = i0 + ivec3(c & 1, (c >> 1) & 1, (c >> 2) & 1);
        float w = ((c & 1) != 0 ? f.x : 1.0 - f.x) * (((c >> 1) & 1) != 0 ? f.y : 1.0 - f.y) *
                  (((c >> 2) & 1) != 0 ? f.z : 1.0 - f.z);
        bool inside = all(greaterThanEqual(idx, ivec3(0))) && all(lessThan(idx, vol_size));
        float val;
        if (sdf)
            val = inside ? vol_sdf_mm(idx) : SS_VOLUME_SDF_RANGE_MM;
        else
            val = lab_z[inside ? vol_label(idx) : SS_TISSUE_AIR];
        acc += w * val;
    }
    return acc;
}

vec3 normalize0(vec3 a)
{
    float n = sqrt(dot(a, a));
    return n > 0.0 ? a / n : a;
}

// ---------------------------------------------------------------- RF bins (as ss__deposit)
// An echo of amplitude amp at displayed depth a: its first bin b (weight 1 - f; the next
// bin weight f) and its phasor amp e^{-i 2 k0 a} (re, im) from the table; false where it
// falls outside the bins. (GLSL cannot pass a buffer, so each destination has its own
// deposit below.)
bool bin_phasor(float a, float amp, out int b, out float f, out float re, out float im)
{
    b = 0;
    f = re = im = 0.0;
    if (a < 0.0) return false;
    float x = a * u_inv_delta;
    b = int(x);
    if (b >= u_nbins - 1) return false;
    f = x - float(b);
    float pt = a * u_phase_scale;
    int pi = int(uint(int(pt + 0.5)) & uint(SS_BMODE_PHASE_N - 1));
    re = amp * cos_tab[pi];
    im = amp * sin_tab[pi];
    return true;
}

// into the line's RF bins (specular echoes, needle)
void deposit(int base, float a, float amp)
{
    int b;
    float f, re, im;
    if (!bin_phasor(a, amp, b, f, re, im)) return;
    int o = base + 2 * b;
    bins[o] += (1.0 - f) * re;
    bins[o + 1] += (1.0 - f) * im;
    bins[o + 2] += f * re;
    bins[o + 3] += f * im;
}

// into the line's speckle splat (pass 2)
void deposit_spk(int base, float a, float amp)
{
    int b;
    float f, re, im;
    if (!bin_phasor(a, amp, b, f, re, im)) return;
    int o = base + 2 * b;
    spk[o] += (1.0 - f) * re;
    spk[o + 1] += (1.0 - f) * im;
    spk[o + 2] += f * re;
    spk[o + 3] += f * im;
}

// ---------------------------------------------------------------- world-fixed scatterers (scatter.h)
uint ss_scatter_hash(uint seed, ivec3 c)
{
    uint h = seed * 0x9E3779B9u;
    h ^= uint(c.x) * 0x8DA6B343u;
    h ^= uint(c.y) * 0xD8163841u;
    h ^= uint(c.z) * 0xCB1AB31Fu;
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    h *= 0x846CA68Bu;
    h ^= h >> 16;
    return h;
}

uint ss_scatter_rehash(uint h)
{
    h ^= 0x5BD1E995u;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    h *= 0x297A2D39u;
    h ^= h >> 15;
    return h;
}

uint ss_scatter_nth(uint h0, int n) { return ss_scatter_rehash(h0 + uint(n) * 0x632BE5ABu) ^ 0x85EBCA6Bu; }

vec3 ss_scatter_position(uint h, ivec3 c, float cell_mm)
{
    const float q = 1.0 / 1024.0;
    return vec3(cell_mm * (float(c.x) + (float(h & 1023u) + 0.5) * q),
                cell_mm * (float(c.y) + (float((h >> 10) & 1023u) + 0.5) * q),
                cell_mm * (float(c.z) + (float((h >> 20) & 1023u) + 0.5) * q));
}

// tissue_texture.h ss_texture_index: the table cell of a position
int texture_index(vec3 pos)
{
    precise float x = (pos.x + SS_TEXTURE_DRIFT * pos.z) * (1.0 / SS_TEXTURE_CELL_MM);
    precise float y = pos.y * (1.0 / SS_TEXTURE_CELL_MM);
    uint ix = uint(int(floor(x))), iy = uint(int(floor(y)));
    return int((iy & uint(SS_TEXTURE_N - 1)) * uint(SS_TEXTURE_N) + (ix & uint(SS_TEXTURE_N - 1)));
}

// electronic noise of RF bin b of a line (ss__add_noise): index into noise_tab (complex)
int noise_index(int line, int b)
{
    return int(ss_scatter_hash(u_seed ^ 0xA5A5A5A5u, ivec3(line, b, 0x7FFF)) & uint(SS_BMODE_NOISE_N - 1));
}
