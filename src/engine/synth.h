/* synth.h — training images MNIST does not have, made from MNIST.
 *
 * Writing styles common outside the United States are rare in MNIST (its
 * writers were American census workers and students of about 1990), and a
 * network trained on it reads them wrongly and sure of itself: the slashed
 * zero as an 8, the one with a long flag as a 7, the one with a base as a 2.
 * nn_synth_style draws such a stroke onto an MNIST digit of the right
 * class:
 *   0: a slash through the ring, from lower left to upper right (Ø);
 *   1: a flag from the top down to the left, sometimes with a base;
 *   7: a bar across the stem (the crossed seven).
 * nn_synth_outlier makes an image that is no digit at all, for outlier
 * exposure (Hendrycks, Mazeika and Dietterich, ICLR 2019: train the network
 * to give such images the uniform distribution, so that it is unsure of
 * them): a mirrored digit (of 3, 4, 7, 9), a digit on its side (not
 * 0, 6 or 9), two digits side by side, a zig-zag scribble, a dot, a level bar, a
 * cross (synth.c says why these and not others; two digits drawn over each
 * other were tried and dropped: too often they look like one digit), and
 * for training, letters and signs.
 *
 * Both draw with an anti-aliased round pen of MNIST's stroke width on a
 * canvas larger than the digit, then normalise the result as MNIST was made
 * (nn_ink_to_image: 20x20 box, centre of mass at the centre), so a new stroke
 * that reaches beyond the digit is kept. Output: 28x28 bytes, as MNIST. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "idx.h"
#include "rng.h"

/* Writes src (an MNIST digit of class label) with a style stroke to dst and
 * returns true, or returns false if the class has no style here (dst
 * untouched). */
bool nn_synth_style(const uint8_t *src, int label, NnRng *rng, uint8_t *dst);

/* Writes a synthetic non-digit made from random images of train to dst. */
void nn_synth_outlier(const NnDataset *train, NnRng *rng, uint8_t *dst);

/* The share of nn_synth_non_digit's images that are letters or signs. */
#define NN_SYNTH_LETTER_SHARE 0.35f

/* As nn_synth_outlier; with_letters, NN_SYNTH_LETTER_SHARE of them are
 * instead a letter or a sign (or two side by side) of Hershey's fonts with
 * a hand's variation: not O, I, Z, S, G, B, q and the others a reader may
 * take for a digit, nor lines, dots and brackets (tools/make-letters.py).
 * Training uses them; the calibration's held-out non-digits (nn_calibrate)
 * do not, so that the threshold for "not a digit" is never set on what
 * training drew.
 * Without letters, the same images as nn_synth_outlier for the same rng. */
void nn_synth_non_digit(const NnDataset *train, bool with_letters, NnRng *rng, uint8_t *dst);
