/* dl-verdict-text.h — probabilities and verdicts in words, the same
 * everywhere the app shows them (the prediction, its bars, the drawings).
 *
 * Percentages are rounded honestly: a probability shows as "100 %" only
 * when it is 1 and as "0 %" only when it is 0; one that would round to
 * 100 shows as "> 99 %", one that would round to 0 as "< 1 %". So a
 * model that is almost but not quite certain never reads as certain.
 *
 * GLib only, no GTK: unit-tested in tests/test-verdict-text.c.
 */
#pragma once

#include <glib.h>

#include "verdict.h"

G_BEGIN_DECLS

/* The probabilities as they should be shown: clamped to [0, 1], not
 * finite as 0, and one that float rounding made exactly 1 while another
 * is above 0 brought just under 1, so that it reads "> 99 %". */
void dl_probabilities_for_display(const float probs[NN_CLASSES], float out[NN_CLASSES]);

/* "98 %", "> 99 %", "< 1 %". Not finite counts as 0. */
char *dl_format_probability(float p);
/* The same without the percent sign, for under a bar: "98", ">99", "<1". */
char *dl_format_probability_short(float p);

/* The verdict in a sentence, for screen readers and tooltips:
 *   "Sure: 7 (98 %)"
 *   "Unsure: maybe a 7 (62 %), or a 1 (31 %)"
 *   "Not a digit (the most probable, 3, has 28 %)" */
char *dl_verdict_describe(const NnVerdict *verdict);

G_END_DECLS
