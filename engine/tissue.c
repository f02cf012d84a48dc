/* tissue.c: the tissue property table (see tissue.h).
 *
 * Sources: ../shared/REFERENCE.md §3 (literature ranges; the value chosen is given).
 * Scatterer densities/amplitudes are modelling choices tuned so that soft tissues
 * have fully developed speckle (>= 10 scatterers per resolution cell at 3-5 MHz,
 * cell ~ 0.5 x 1 x 3 mm = 1.5 mm^3 -> >= 7 /mm^3) and the usual relative brightness
 * (fat darker than muscle, ligament bright and fibrous, fluid anechoic).
 */
#include "tissue.h"

#include <stdio.h>
#include <string.h>

static const ss_tissue_props ss__table[SS_TISSUE_COUNT] = {
    /*                 name            label                    c      rho    alpha  dens  amp   hard  colour */
    [SS_TISSUE_AIR] = {"air", "outside / coupling gel",
        /* gel under the probe: water-like, so the first interface is the skin */
        1500.f, 1000.f, 0.002f, 0.f, 0.f, false, {0, 0, 0}},
    [SS_TISSUE_SKIN] = {"skin", "skin", 1620.f, 1110.f, 0.35f, 20.f, 0.9f, false, {230, 190, 170}},
    [SS_TISSUE_FAT] = {"fat", "subcutaneous fat", 1470.f, 940.f, 0.70f, 12.f, 0.35f, false, {250, 225, 120}},
    [SS_TISSUE_MUSCLE] = {"muscle", "paraspinal muscle", 1580.f, 1050.f, 1.1f, 16.f, 0.55f, false, {190, 70, 70}},
    [SS_TISSUE_LIGAMENT] = {"ligament", "supraspinous / interspinous ligament",
        1660.f, 1100.f, 1.6f, 20.f, 0.8f, false, {150, 150, 210}},
    [SS_TISSUE_FLAVUM] = {"flavum", "ligamentum flavum", 1660.f, 1100.f, 1.6f, 20.f, 0.95f, false, {240, 240, 60}},
    /* epidural fat: unconfirmed, taken as subcutaneous fat */
    [SS_TISSUE_EPIDURAL_FAT] = {"epidural_fat", "epidural fat",
        1470.f, 940.f, 0.70f, 12.f, 0.35f, false, {255, 200, 90}},
    /* dura: unconfirmed, a dense collagen membrane taken as ligament for c, rho and alpha; it is
       modelled 1.0 mm thick (real 0.3-0.5, anatomy_table dura_thickness) so that voxels keep it
       closed, so its volume backscatter is scaled down (amplitude 0.5: the power of a membrane a
       third as thick); what shows it on a scan is its surface echo */
    [SS_TISSUE_DURA] = {"dura", "dura mater", 1660.f, 1100.f, 1.6f, 20.f, 0.5f, false, {90, 200, 240}},
    /* CSF: unconfirmed c 1515 m/s, rho 1007, alpha water-like 0.005 */
    [SS_TISSUE_CSF] = {"csf", "cerebrospinal fluid", 1515.f, 1007.f, 0.005f, 0.f, 0.f, false, {40, 90, 230}},
    /* nerve roots: unconfirmed, taken between fat and muscle, weakly fascicular */
    [SS_TISSUE_NERVE] = {"nerve", "nerve root", 1575.f, 1040.f, 0.9f, 14.f, 0.45f, false, {255, 255, 255}},
    [SS_TISSUE_VESSEL] = {"vessel", "blood vessel", 1584.f, 1060.f, 0.15f, 2.f, 0.05f, false, {200, 0, 40}},
    /* disc: unconfirmed, annulus fibrosus taken as ligament-like but less echogenic */
    [SS_TISSUE_DISC] = {"disc", "intervertebral disc", 1600.f, 1080.f, 1.2f, 14.f, 0.4f, false, {120, 160, 120}},
    /* cortical bone: REFERENCE 5-15+ dB/cm/MHz; 20 taken (the "+"): the loss stands in for what a
       ray model leaves out at bone (mode conversion to shear waves, scattering by the rough
       surface), so that a thin plate (a transverse process, 2-5 mm) casts the complete shadow bone
       casts on a scan */
    [SS_TISSUE_CORTICAL] = {"cortical", "cortical bone", 3500.f, 1900.f, 20.f, 10.f, 1.0f, true, {245, 245, 235}},
    [SS_TISSUE_CANCELLOUS] = {"cancellous", "cancellous bone",
        2000.f, 1400.f, 10.f, 10.f, 1.0f, true, {210, 205, 180}},
    /* graft: unconfirmed, morcellised bone taken between cancellous and cortical */
    [SS_TISSUE_GRAFT] = {"graft", "bone graft", 2600.f, 1600.f, 10.f, 12.f, 1.0f, true, {225, 215, 160}},
    /* Ti-6Al-4V: REFERENCE lists c 6522 with rho 4500 (Z 29.3) but Z 27.1 MRayl; the
     * alloy's measured c ~6100 m/s and rho 4430 give Z 27.0, consistent with that Z. */
    [SS_TISSUE_TITANIUM] = {"titanium", "titanium (Ti-6Al-4V)", 6100.f, 4430.f, 0.f, 0.f, 0.f, true, {170, 180, 200}},
    [SS_TISSUE_COCR] = {"cocr", "cobalt-chromium", 6256.f, 8300.f, 0.f, 0.f, 0.f, true, {150, 160, 190}},
    [SS_TISSUE_STEEL] = {"steel", "stainless steel (needle)", 5900.f, 8000.f, 0.f, 0.f, 0.f, true, {255, 120, 0}},
};

/* X-ray linear attenuation (1/cm) for the radiographs (xray.h): mass attenuation
 * coefficients at ~70 keV, the effective energy of an 80 kVp lumbar radiograph beam
 * (NIST XCOM, rounded; tissue compositions ICRU 44), times the densities above. The
 * soft tissues sit within 15 % of water (0.19); fat below it; cancellous bone taken as a
 * marrow-trabecula mixture and the graft between it and cortical bone (unconfirmed
 * modelling choices); the metals are what makes rods and screws radio-opaque. */
static const float ss__xray_mu[SS_TISSUE_COUNT] = {
    [SS_TISSUE_AIR] = 0.f,         [SS_TISSUE_SKIN] = 0.21f,     [SS_TISSUE_FAT] = 0.17f,
    [SS_TISSUE_MUSCLE] = 0.20f,    [SS_TISSUE_LIGAMENT] = 0.21f, [SS_TISSUE_FLAVUM] = 0.21f,
    [SS_TISSUE_EPIDURAL_FAT] = 0.17f, [SS_TISSUE_DURA] = 0.20f, [SS_TISSUE_CSF] = 0.19f,
    [SS_TISSUE_NERVE] = 0.20f,     [SS_TISSUE_VESSEL] = 0.20f,   [SS_TISSUE_DISC] = 0.21f,
    [SS_TISSUE_CORTICAL] = 0.48f,  [SS_TISSUE_CANCELLOUS] = 0.27f, [SS_TISSUE_GRAFT] = 0.36f,
    [SS_TISSUE_TITANIUM] = 1.5f,   [SS_TISSUE_COCR] = 7.0f,      [SS_TISSUE_STEEL] = 7.4f,
};

float ss_tissue_xray_mu_per_cm(int label)
{
    return label < 0 || label >= SS_TISSUE_COUNT ? 0.f : ss__xray_mu[label];
}

/* Needle mechanics, 18G reference. All values are unconfirmed modelling choices in the
 * range reported for epidural/spinal needle insertion force studies (skin puncture a
 * few newtons, ligamentum flavum the largest soft-tissue peak followed by the loss of
 * resistance, dura ~1 N, shaft friction a few hundredths of a newton per mm): they give
 * the characteristic force profile (rise, pop, drop) that trainees learn to feel. */
static const ss_tissue_mech ss__mech[SS_TISSUE_COUNT] = {
    /*                          penetrable puncture  tenting  friction */
    [SS_TISSUE_AIR] =          {true,  0.0f, 0.0f, 0.0f},
    [SS_TISSUE_SKIN] =         {true,  3.0f, 1.0f, 0.06f},
    [SS_TISSUE_FAT] =          {true,  0.0f, 0.0f, 0.02f},
    [SS_TISSUE_MUSCLE] =       {true,  1.0f, 0.8f, 0.05f},
    [SS_TISSUE_LIGAMENT] =     {true,  2.5f, 1.5f, 0.10f},
    [SS_TISSUE_FLAVUM] =       {true,  6.0f, 2.5f, 0.15f},
    [SS_TISSUE_EPIDURAL_FAT] = {true,  0.0f, 0.0f, 0.02f},
    [SS_TISSUE_DURA] =         {true,  1.0f, 1.0f, 0.05f},
    [SS_TISSUE_CSF] =          {true,  0.0f, 0.0f, 0.00f},
    [SS_TISSUE_NERVE] =        {true,  0.5f, 0.5f, 0.03f},
    [SS_TISSUE_VESSEL] =       {true,  0.5f, 0.5f, 0.01f},
    [SS_TISSUE_DISC] =         {true,  8.0f, 3.0f, 0.20f},
    [SS_TISSUE_CORTICAL] =     {false, 0.0f, 0.0f, 0.00f},
    [SS_TISSUE_CANCELLOUS] =   {false, 0.0f, 0.0f, 0.00f},
    [SS_TISSUE_GRAFT] =        {false, 0.0f, 0.0f, 0.00f},
    [SS_TISSUE_TITANIUM] =     {false, 0.0f, 0.0f, 0.00f},
    [SS_TISSUE_COCR] =         {false, 0.0f, 0.0f, 0.00f},
    [SS_TISSUE_STEEL] =        {false, 0.0f, 0.0f, 0.00f},
};

const ss_tissue_mech *ss_tissue_mech_get(int label)
{
    if (label < 0 || label >= SS_TISSUE_COUNT) return &ss__mech[SS_TISSUE_AIR];
    return &ss__mech[label];
}

const ss_tissue_props *ss_tissue_get(int label)
{
    if (label < 0 || label >= SS_TISSUE_COUNT) return &ss__table[SS_TISSUE_AIR];
    return &ss__table[label];
}

float ss_tissue_impedance_mrayl(int label)
{
    const ss_tissue_props *p = ss_tissue_get(label);
    return p->rho_kg_m3 * p->c_m_s * 1e-6f;
}

int ss_tissue_from_name(const char *name)
{
    for (int i = 0; i < SS_TISSUE_COUNT; i++)
        if (strcmp(ss__table[i].name, name) == 0) return i;
    return -1;
}

size_t ss_tissue_glsl_defines(char *out, size_t out_size)
{
    size_t used = 0;
    for (int i = 0; i < SS_TISSUE_COUNT; i++) {
        char upper[64];
        size_t k = 0;
        for (const char *s = ss__table[i].name; *s && k < sizeof upper - 1; s++)
            upper[k++] = (char)((*s >= 'a' && *s <= 'z') ? *s - 32 : *s);
        upper[k] = '\0';
        int n = snprintf(out ? out + (used < out_size ? used : out_size) : NULL,
                         out && used < out_size ? out_size - used : 0,
                         "#define SS_TISSUE_%s %d\n", upper, i);
        if (n > 0) used += (size_t)n;
    }
    int n = snprintf(out ? out + (used < out_size ? used : out_size) : NULL,
                     out && used < out_size ? out_size - used : 0, "#define SS_TISSUE_COUNT %d\n",
                     SS_TISSUE_COUNT);
    if (n > 0) used += (size_t)n;
    return used;
}
