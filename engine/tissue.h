/* tissue.h: the one enum of tissue labels and the one table of tissue properties.
 *
 * Shared by everything that needs to know what a point of the patient is made of:
 * the voxelizer writes these labels, the CPU acoustic reference and the GPU shaders
 * read them (the GPU gets the same table as a uniform/storage buffer and the label
 * values as #defines generated from ss_tissue_glsl_defines()), the needle asks them.
 * Values and their sources: ../shared/REFERENCE.md §3; values without a primary
 * source are marked "unconfirmed" in tissue.c, and live only there.
 * Label values are stable (stored in volumes, logs and textures): append, never renumber.
 */
#ifndef SS_TISSUE_H
#define SS_TISSUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef enum ss_tissue {
    SS_TISSUE_AIR = 0,          /* outside the body (coupling gel assumed under the probe) */
    SS_TISSUE_SKIN = 1,         /* epidermis + dermis */
    SS_TISSUE_FAT = 2,          /* subcutaneous fat */
    SS_TISSUE_MUSCLE = 3,       /* paraspinal muscles (erector spinae, multifidus) */
    SS_TISSUE_LIGAMENT = 4,     /* supraspinous and interspinous ligaments */
    SS_TISSUE_FLAVUM = 5,       /* ligamentum flavum */
    SS_TISSUE_EPIDURAL_FAT = 6, /* epidural space */
    SS_TISSUE_DURA = 7,         /* dura + arachnoid (thecal sac wall) */
    SS_TISSUE_CSF = 8,          /* subarachnoid space */
    SS_TISSUE_NERVE = 9,        /* cauda equina roots, exiting nerve roots */
    SS_TISSUE_VESSEL = 10,      /* epidural veins, segmental/radicular vessels (blood) */
    SS_TISSUE_DISC = 11,        /* intervertebral disc */
    SS_TISSUE_CORTICAL = 12,    /* cortical bone shell */
    SS_TISSUE_CANCELLOUS = 13,  /* cancellous (trabecular) bone */
    SS_TISSUE_GRAFT = 14,       /* fusion bone graft mass (morcellised bone) */
    SS_TISSUE_TITANIUM = 15,    /* rods / screws, Ti-6Al-4V */
    SS_TISSUE_COCR = 16,        /* rods, cobalt-chromium */
    SS_TISSUE_STEEL = 17,       /* needle (never voxelized; drawn analytically) */
    SS_TISSUE_COUNT
} ss_tissue;

typedef struct ss_tissue_props {
    const char *name;            /* stable machine name, e.g. "flavum" */
    const char *label;           /* human name, e.g. "ligamentum flavum" */
    float c_m_s;                 /* speed of sound */
    float rho_kg_m3;             /* density */
    float alpha_db_cm_mhz;       /* attenuation slope (one way) */
    float scatter_density_mm3;   /* sub-resolution scatterers per mm^3 */
    float scatter_amplitude;     /* relative backscatter amplitude (std of scatterer amplitude) */
    bool hard;                   /* bone or metal: strong reflector, shadows below */
    uint8_t rgb[3];              /* colour for anatomy drawings and label slices */
} ss_tissue_props;

/* How a needle feels a tissue (the needle and haptic force model, needle.c).
 * Forces are for the reference 18G needle; needle.c scales them with diameter. */
typedef struct ss_tissue_mech {
    bool penetrable;             /* false: the needle stops at its surface (bone, metal) */
    float puncture_force_n;      /* axial force at which the tip cuts into this tissue from
                                    a different one (0 = enters without resistance) */
    float tenting_n_per_mm;      /* surface stiffness before puncture: force = k * indentation */
    float friction_n_per_mm;     /* shaft friction per mm of shaft inside this tissue */
} ss_tissue_mech;

/* Properties of one label; labels out of range give the AIR entry. */
const ss_tissue_props *ss_tissue_get(int label);

/* Mechanical properties of one label; labels out of range give the AIR entry. */
const ss_tissue_mech *ss_tissue_mech_get(int label);

/* X-ray linear attenuation in 1/cm at the effective energy of a lumbar radiograph
 * (~70 keV); 0 outside the labels (tissue.c gives the sources). */
float ss_tissue_xray_mu_per_cm(int label);
/* Acoustic impedance Z = rho * c in MRayl. */
float ss_tissue_impedance_mrayl(int label);

/* Label from its machine name, or -1. */
int ss_tissue_from_name(const char *name);

/* Writes "#define SS_TISSUE_AIR 0\n..." for every label into out (NUL-terminated).
 * Returns the length needed (like snprintf). For prepending to GLSL sources. */
size_t ss_tissue_glsl_defines(char *out, size_t out_size);

#endif
