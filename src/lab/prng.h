/* SPDX-License-Identifier: GPL-2.0-or-later */
/* prng.h: seeded pseudo-random numbers for the scenario generator.
 *
 * The generator must give byte-identical files for the same arguments on
 * every run, so it never touches rand() or the clock: each stream is a
 * xoshiro256** state (Blackman and Vigna's published algorithm) filled from
 * a 64-bit seed through splitmix64, which spreads even small, similar seeds
 * over the whole state. Header-only and static: nothing here is exported. */
#ifndef SDD_PRNG_H
#define SDD_PRNG_H

#include <math.h>
#include <stdint.h>

typedef struct prng {
    uint64_t s[4];
} prng;

static inline uint64_t prng_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A seed for an independent stream, from a run seed and a stream number, so
 * that one stream's draws never shift another's. */
static inline uint64_t prng_derive(uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);

    return prng_splitmix(&x);
}

static inline void prng_seed(prng *p, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        p->s[i] = prng_splitmix(&seed);
}

static inline uint64_t prng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t prng_next(prng *p)
{
    uint64_t *s = p->s;
    uint64_t out = prng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = prng_rotl(s[3], 45);
    return out;
}

/* Uniform in [0, 1), 53 bits. */
static inline double prng_unit(prng *p)
{
    return (double)(prng_next(p) >> 11) * 0x1.0p-53;
}

static inline double prng_uniform(prng *p, double lo, double hi)
{
    return lo + (hi - lo) * prng_unit(p);
}

/* Uniform integer in [lo, hi]. */
static inline int64_t prng_range(prng *p, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(prng_unit(p) * (double)(hi - lo + 1));
}

/* Standard normal (Box-Muller); one draw of the pair is enough here. */
static inline double prng_normal(prng *p)
{
    double u = 1.0 - prng_unit(p);     /* (0, 1]: log stays finite */
    double v = prng_unit(p);

    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Exponential with the given mean: the gap between Poisson arrivals. */
static inline double prng_exponential(prng *p, double mean)
{
    return -mean * log(1.0 - prng_unit(p));
}

#endif
