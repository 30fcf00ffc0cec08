/* digitlab-cli bench — how fast the engine trains and recognises.
 *
 * After a warm-up, times rounds of (a) training steps at batch 128:
 * augmentation + forward + backward + Adam, with augmentation also timed on
 * its own; (b) inference at batch 128; (c) one drawing as the app's canvas
 * does it: strokes to 28x28, then a batch-1 prediction; (d) the same drawing
 * as the app's Inside page takes it on every stroke update: strokes to the
 * preprocessing steps and the input (nn_strokes_to_image_steps), then every
 * layer's output, the prediction among them (nn_model_trace), also in the
 * calling thread's CPU time (without the waits for a core of a machine
 * shared with other work). Reports medians over
 * the rounds, images/s, GFLOP/s of the convolution and dense layers (counted
 * as direct convolutions: Winograd's layers do fewer, so this is an
 * effective rate), the BLAS kernel that ran and the peak resident memory. Synthetic images: the
 * speed does not depend on what the digits look like. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli-common.h"
#include "cli.h"
#include "gemm.h"
#include "preprocess.h"
#include "recipe-options.h"
#include "train.h"

enum { BATCH = 128, POOL = 1024 };

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The calling thread's CPU time: on a machine shared with other work, what
 * the work itself costs, without the waits for a core. */
static double
thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Blurry strokes at random places: enough like digits for augmentation. */
static void
make_images(NnDataset *d)
{
    d->count = POOL;
    d->images = calloc(POOL, NN_IMAGE_PIXELS);
    d->labels = malloc(POOL);
    NnRng rng = nn_rng_seed(1);
    for (int i = 0; i < POOL; i++) {
        uint8_t *img = d->images + (size_t)i * NN_IMAGE_PIXELS;
        int x0 = 6 + (int)nn_rng_below(&rng, 16), y = 4;
        for (; y < 24; y++)
            for (int dx = -1; dx <= 1; dx++)
                img[y * 28 + x0 + dx + (y - 14) / 6] = 255;
        d->labels[i] = (uint8_t)nn_rng_below(&rng, 10);
    }
}

/* A "7" as the canvas would hand it over: two strokes of canvas pixels. */
static const NnPoint seven[] = {
    { 60, 60 }, { 100, 58 }, { 140, 57 }, { 180, 56 }, { 220, 56 },
    { 210, 80 }, { 190, 120 }, { 170, 160 }, { 150, 200 }, { 135, 240 },
};

typedef struct {
    NnModel *model;
    const NnTrainConfig *config;
    const NnDataset *data;
    float *images;
    uint8_t *labels;
    NnRng *rng;
    int batch_index;
} TrainBench;

/* One training step as nn_train does it: augment a batch, then forward +
 * backward + Adam. Returns the seconds the augmentation took. */
static double
train_step(TrainBench *b)
{
    int order[BATCH], correct = 0;
    for (int i = 0; i < BATCH; i++)
        order[i] = (b->batch_index * BATCH + i) % POOL;
    double t0 = now();
    nn_train_prepare_batch(b->config, b->data, order, BATCH, b->batch_index, b->images, b->labels);
    double augment = now() - t0;
    nn_train_step(b->model, b->config, b->images, b->labels, BATCH, 1e-4f, b->rng, &correct);
    b->batch_index++;
    return augment;
}

typedef struct {
    double train_step_ms, augment_ms, infer_ms, preprocess_ms, latency_ms, inside_ms, inside_steps_ms, inside_cpu_ms;
} Medians;

int
cmd_bench(int argc, char **argv)
{
    int rounds = 7, steps = 8;
    gboolean json = FALSE;
    RecipeOptions ro;
    recipe_options_init(&ro);
    const GOptionEntry entries[] = {
        { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Timed rounds; medians are reported (7)", "N" },
        { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Training steps per round (8)", "N" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
        G_OPTION_ENTRY_NULL
    };
    g_autofree GOptionEntry *recipe_entries = recipe_options_entries(&ro);
    g_autoptr(GOptionContext) context = g_option_context_new("");
    g_option_context_set_summary(context, "Time training and recognition (the network and augmentation of the "
                                          "preset and options given; the paper's by default).");
    g_option_context_add_main_entries(context, entries, NULL);
    GOptionGroup *group = g_option_group_new("recipe", "Network and recipe", "Show the network and recipe options",
                                             NULL, NULL);
    g_option_group_add_entries(group, recipe_entries);
    g_option_context_add_group(context, group);
    if (!cli_parse_context(context, &argc, &argv))
        return 2;
    NnModelConfig mc;
    NnTrainConfig config;
    int limit, val_limit;
    gboolean resolved = recipe_options_resolve(&ro, "bench", &mc, &config, &limit, &val_limit);
    recipe_options_clear(&ro);
    if (!resolved)
        return 2;
    if (rounds < 1 || rounds > 1000 || steps < 1 || steps > 1000) {
        fprintf(stderr, "bench: --rounds and --steps must be between 1 and 1000\n");
        return 2;
    }
    NnError err = { 0 };
    nn_set_threads(config.threads);

    NnModel *model, *canvas;
    if (nn_model_new(&mc, 1, &model, &err) != NN_OK || nn_model_reserve_training(model, BATCH, &err) != NN_OK ||
        nn_model_new(&mc, 1, &canvas, &err) != NN_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        return 1;
    }
    NnDataset data;
    make_images(&data);
    float *images = malloc(sizeof(float) * NN_IMAGE_PIXELS * BATCH), *probs = malloc(sizeof(float) * 10 * BATCH);
    uint8_t labels[BATCH];
    double *t_train = malloc(sizeof(double) * rounds), *t_aug = malloc(sizeof(double) * rounds);
    double *t_infer = malloc(sizeof(double) * rounds), *t_pre = malloc(sizeof(double) * rounds);
    double *t_lat = malloc(sizeof(double) * rounds);
    double *t_inside = malloc(sizeof(double) * rounds), *t_steps = malloc(sizeof(double) * rounds);
    double *t_inside_cpu = malloc(sizeof(double) * rounds);
    NnRng rng = nn_rng_seed(2);

    TrainBench tb = { model, &config, &data, images, labels, &rng, 0 };
    for (int i = 0; i < 3; i++) /* warm-up: first-touch page faults, caches */
        train_step(&tb);
    for (int r = 0; r < rounds; r++) {
        double aug = 0.0, t0 = now();
        for (int s = 0; s < steps; s++)
            aug += train_step(&tb);
        t_train[r] = (now() - t0) / steps;
        t_aug[r] = aug / steps;
    }

    nn_model_predict(model, images, BATCH, probs, NULL);
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        for (int s = 0; s < steps; s++)
            nn_model_predict(model, images, BATCH, probs, NULL);
        t_infer[r] = (now() - t0) / steps;
    }

    /* The canvas: strokes to image, then a batch-1 prediction, on every stroke update. */
    NnStroke strokes[2] = { { seven, 5 }, { seven + 4, 6 } };
    float image[NN_IMAGE_PIXELS], p[NN_CLASSES];
    const int reps = 50;
    nn_strokes_to_image(strokes, 2, image, NULL);
    nn_model_predict(canvas, image, 1, p, NULL);
    for (int r = 0; r < rounds; r++) {
        double pre = 0.0, t0 = now();
        for (int s = 0; s < reps; s++) {
            double a = now();
            nn_strokes_to_image(strokes, 2, image, NULL);
            pre += now() - a;
            nn_model_predict(canvas, image, 1, p, NULL);
        }
        t_lat[r] = (now() - t0) / reps;
        t_pre[r] = pre / reps;
    }

    /* The Inside page: the same strokes, on the canvas's 280 x 280 frame,
     * to the steps and the input, then every layer's output. */
    const float frame[4] = { 0, 0, 280, 280 };
    NnPreprocessSteps st;
    int count = 0;
    nn_strokes_to_image_steps(strokes, 2, frame, &st, NULL);
    nn_model_trace(canvas, st.image, &count, NULL);
    nn_preprocess_steps_clear(&st);
    for (int r = 0; r < rounds; r++) {
        double pre = 0.0, t0 = now(), c0 = thread_cpu();
        for (int s = 0; s < reps; s++) {
            double a = now();
            nn_strokes_to_image_steps(strokes, 2, frame, &st, NULL);
            pre += now() - a;
            nn_model_trace(canvas, st.image, &count, NULL);
            nn_preprocess_steps_clear(&st);
        }
        t_inside[r] = (now() - t0) / reps;
        t_inside_cpu[r] = (thread_cpu() - c0) / reps;
        t_steps[r] = pre / reps;
    }

    Medians med = {
        median(t_train, rounds) * 1e3, median(t_aug, rounds) * 1e3, median(t_infer, rounds) * 1e3,
        median(t_pre, rounds) * 1e3, median(t_lat, rounds) * 1e3, median(t_inside, rounds) * 1e3,
        median(t_steps, rounds) * 1e3, median(t_inside_cpu, rounds) * 1e3,
    };
    double train_flops = nn_model_flops(model, true) * BATCH, infer_flops = nn_model_flops(model, false) * BATCH;
    double step_ms = med.train_step_ms;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss_mb = ru.ru_maxrss / 1024.0;

    if (json) {
        char network[200];
        nn_model_config_describe(&mc, network, sizeof network);
        printf("{\"network\": \"%s\", \"params\": %zu, ", network, nn_model_param_count(model));
        printf("\"threads\": %d, \"padding\": \"%s\", \"blas\": \"%s\", \"batch\": %d, \"rounds\": %d, "
               "\"train_images_per_s\": %.1f, \"train_step_ms\": %.3f, \"train_gflops\": %.2f, "
               "\"augment_ms_per_batch\": %.3f, \"augment_images_per_s\": %.1f, "
               "\"infer_images_per_s\": %.1f, \"infer_gflops\": %.2f, "
               "\"latency_ms\": %.4f, \"preprocess_ms\": %.4f, \"predict1_ms\": %.4f, "
               "\"inside_ms\": %.4f, \"inside_steps_ms\": %.4f, \"inside_trace_ms\": %.4f, \"inside_cpu_ms\": %.4f, "
               "\"peak_rss_mb\": %.1f}\n",
               nn_get_threads(), nn_padding_name(mc.padding), nn_blas_info(), BATCH, rounds,
               BATCH / (step_ms * 1e-3), step_ms, train_flops / (step_ms - med.augment_ms) * 1e-6,
               med.augment_ms, BATCH / (med.augment_ms * 1e-3), BATCH / (med.infer_ms * 1e-3),
               infer_flops / med.infer_ms * 1e-6, med.latency_ms, med.preprocess_ms,
               med.latency_ms - med.preprocess_ms, med.inside_ms, med.inside_steps_ms,
               med.inside_ms - med.inside_steps_ms, med.inside_cpu_ms, rss_mb);
    } else {
        char network[200];
        printf("Network: %s (%zu parameters)\n", nn_model_config_describe(&mc, network, sizeof network),
               nn_model_param_count(model));
        printf("Digit Lab engine, %s padding, %d thread%s, batch %d; BLAS: %s\n", nn_padding_name(mc.padding),
               nn_get_threads(), cli_plural(nn_get_threads()), BATCH, nn_blas_info());
        printf("medians of %d rounds:\n", rounds);
        printf("  training      %8.1f images/s  (%.1f ms a step; layers at %.1f effective GFLOP/s)\n",
               BATCH / (step_ms * 1e-3), step_ms, train_flops / (step_ms - med.augment_ms) * 1e-6);
        printf("    of which augmentation %.2f ms a batch (%.0f images/s)\n", med.augment_ms,
               BATCH / (med.augment_ms * 1e-3));
        printf("  inference     %8.1f images/s  (%.1f effective GFLOP/s)\n", BATCH / (med.infer_ms * 1e-3),
               infer_flops / med.infer_ms * 1e-6);
        printf("  one drawing   %8.3f ms        (strokes to 28x28 %.3f ms, prediction %.3f ms)\n",
               med.latency_ms, med.preprocess_ms, med.latency_ms - med.preprocess_ms);
        printf("  Inside page   %8.3f ms        (strokes to the steps and the input %.3f ms, every layer's output "
               "%.3f ms; CPU time %.3f ms)\n",
               med.inside_ms, med.inside_steps_ms, med.inside_ms - med.inside_steps_ms, med.inside_cpu_ms);
        printf("  peak resident memory %.0f MB\n", rss_mb);
    }
    free(images);
    free(probs);
    free(t_train);
    free(t_aug);
    free(t_infer);
    free(t_pre);
    free(t_lat);
    free(t_inside);
    free(t_steps);
    free(t_inside_cpu);
    nn_dataset_free(&data);
    nn_model_free(model);
    nn_model_free(canvas);
    return 0;
}
