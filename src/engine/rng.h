/* rng.h — explicit, seedable randomness. Nothing in the engine draws random
 * numbers from hidden global state: every function takes an NnRng. */
#pragma once

#include <stdint.h>

typedef struct {
    uint64_t state;
} NnRng;

/* Seeds from one or more values mixed together, so streams for different
 * purposes (weights, shuffling of epoch e, augmentation of image i in epoch e)
 * are independent and reproducible whatever the order they are used in. */
NnRng nn_rng_seed(uint64_t seed);
NnRng nn_rng_derive(uint64_t seed, uint64_t a, uint64_t b);

uint64_t nn_rng_u64(NnRng *rng);
/* Uniform in [0, 1). */
float nn_rng_uniform(NnRng *rng);
/* Uniform in [lo, hi). */
float nn_rng_range(NnRng *rng, float lo, float hi);
/* Uniform integer in [0, n). */
uint32_t nn_rng_below(NnRng *rng, uint32_t n);
