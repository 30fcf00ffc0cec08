/* SplitMix64: tiny, fast, statistically sound for our needs, and trivially
 * seedable from combined values. */
#include "rng.h"

static uint64_t
splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

NnRng
nn_rng_seed(uint64_t seed)
{
    NnRng rng = { seed };
    nn_rng_u64(&rng); /* decorrelate nearby seeds */
    return rng;
}

NnRng
nn_rng_derive(uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t x = seed;
    uint64_t h = splitmix64(&x);
    x = h ^ (a * 0xd1b54a32d192ed03ull);
    h = splitmix64(&x);
    x = h ^ (b * 0x8cb92ba72f3d8dd7ull);
    return nn_rng_seed(splitmix64(&x));
}

uint64_t
nn_rng_u64(NnRng *rng)
{
    return splitmix64(&rng->state);
}

float
nn_rng_uniform(NnRng *rng)
{
    return (float)(nn_rng_u64(rng) >> 40) * (1.0f / 16777216.0f);
}

float
nn_rng_range(NnRng *rng, float lo, float hi)
{
    return lo + (hi - lo) * nn_rng_uniform(rng);
}

uint32_t
nn_rng_below(NnRng *rng, uint32_t n)
{
    /* Lemire's multiply-shift; the tiny bias (< 2^-32) does not matter here. */
    return (uint32_t)(((nn_rng_u64(rng) >> 32) * (uint64_t)n) >> 32);
}
