/* verdict.h — what a prediction is worth: sure, unsure, or not a digit.
 *
 * A network always answers with ten probabilities that sum to 1, also for a
 * scribble or a letter. The verdict says how to read them, from the most
 * probable digit's probability p1 (at the model's calibrated temperature):
 *   p1 >= sure                 sure: "7"
 *   reject <= p1 < sure        unsure: "maybe a 7, or a 1" (the top two)
 *   p1 < reject                not a digit
 * An empty drawing has no verdict; the caller says so.
 *
 * The thresholds belong to the model (stored in its file): calibration
 * (nn_calibrate) sets them on held-out images, never on the test set. */
#pragma once

#include <stdbool.h>

#include "idx.h"
#include "model.h"

typedef enum {
    NN_VERDICT_SURE,
    NN_VERDICT_UNSURE,
    NN_VERDICT_NOT_DIGIT,
} NnVerdictKind;

typedef struct {
    NnVerdictKind kind;
    int digit, second;   /* the two most probable digits */
    float p1, p2;        /* their probabilities */
    bool too_small;      /* not a digit for its size (nn_verdict_check_size) */
} NnVerdict;

/* Thresholds of models that were never calibrated (version 1 files). */
#define NN_DEFAULT_SURE 0.9f
#define NN_DEFAULT_REJECT 0.5f

NnVerdict nn_verdict(const NnModel *model, const float probs[NN_CLASSES]);
/* A drawing has no size to read when it is a single point (extent 0), or,
 * where the area it was drawn in is known (area > 0: the side of the app's
 * canvas), when its longer side is under NN_SMALLEST_DRAWING of that side:
 * a click or a slip of the pen, which normalisation to 20x20 would blow up
 * into a blob the network reads as anything ("0, 100 %"). Such a drawing
 * is not a digit, whatever the network says: the verdict's kind becomes
 * NN_VERDICT_NOT_DIGIT and too_small is set. extent: nn_strokes_extent(). */
#define NN_SMALLEST_DRAWING 0.1f
void nn_verdict_check_size(NnVerdict *verdict, float extent, float area);

/* "sure", "unsure", "not-a-digit". */
const char *nn_verdict_name(NnVerdictKind kind);

/* Calibration on held-out labelled digits (never the test set):
 *   - the softmax temperature T that minimises their negative
 *     log-likelihood (Guo et al. 2017, temperature scaling), found by golden
 *     section search over log T in [-3, 3];
 *   - `sure`: the probability below which the top answer falls for
 *     NN_CALIBRATE_UNSURE_SHARE of the correctly read held-out digits (1 %:
 *     half the 2 % of correct drawings that may be called unsure, as
 *     drawings are harder to read than MNIST's digits);
 *   - `reject`: the probability below which NN_CALIBRATE_MAX_REJECTED of
 *     the held-out digits fall (at most `sure`): it rejects as many
 *     non-digits as that budget of digits allows. Synthetic non-digits
 *     (nn_synth_outlier, made from the held-out images) set nothing; the
 *     report says how many of them it rejects. (A network trained on
 *     such non-digits scores them far below drawn ones: a threshold set
 *     on them would let most drawn non-digits through as "unsure".)
 * The results are set on the model (nn_model_set_temperature,
 * nn_model_set_thresholds) and reported in *report if non-NULL. */
#define NN_CALIBRATE_UNSURE_SHARE 0.01
#define NN_CALIBRATE_MAX_REJECTED 0.002
#define NN_CALIBRATE_MIN_IMAGES 100 /* held-out images it needs */

typedef struct {
    float temperature, sure, reject;
    double nll_before, nll_after;        /* mean, on the held-out digits */
    double ece_before, ece_after;        /* expected calibration error, 15 bins */
    double outliers_rejected;            /* share of the synthetic non-digits below reject */
    double digits_rejected, digits_unsure; /* shares of the held-out digits */
} NnCalibration;

NnStatus nn_calibrate(NnModel *model, const NnDataset *held_out, uint64_t seed, NnCalibration *report,
                      NnError *err);
/* The same with another share of the correct held-out digits below `sure`
 * than NN_CALIBRATE_UNSURE_SHARE, in (0, 0.5]. */
NnStatus nn_calibrate_share(NnModel *model, const NnDataset *held_out, double unsure_share, uint64_t seed,
                            NnCalibration *report, NnError *err);

/* Expected calibration error of n predictions (probs image-major, n x 10)
 * against labels: the mean over 15 equal-width bins of the top probability
 * of |accuracy - confidence|, weighted by the bins' shares. */
double nn_expected_calibration_error(const float *probs, const uint8_t *labels, int n);

/* What the verdicts of n predictions were worth (the numbers of
 * `digitlab-cli evaluate --strokes`). labels[i] is 0-9, or NN_LABEL_NONE
 * for a drawing that is no digit. */
typedef struct {
    int n, digits, non_digits;           /* labelled digits, and the others */
    int correct;                         /* of the digits */
    int confusion[NN_CLASSES][NN_CLASSES];
    double accuracy, per_class_accuracy[NN_CLASSES];
    double ece;                          /* of the digits, 15 bins */
    int verdicts[3];                     /* digits: sure, unsure, not a digit (NnVerdictKind) */
    int correct_flagged, errors_flagged; /* digits read right / wrong but unsure or not a digit */
    int errors_sure_99;                  /* wrong, sure and at least 99 % */
    int sure, sure_correct;              /* sure answers, and those right: their coverage and accuracy */
    int non_digit_verdicts[3];           /* non-digits: sure, unsure, not a digit */
} NnVerdictScore;

/* extents: each drawing's nn_strokes_extent(), for nn_verdict_check_size
 * (no area known), or NULL. */
void nn_score_verdicts(const NnModel *model, const float *probs, const uint8_t *labels, const float *extents,
                       int n, NnVerdictScore *score);
