/* read-model-helper — the engine's side of tests/test-read-model.py.
 *
 *   read-model-helper save DIR [MODEL...]
 *       saves models of several configs (every tensor, Adam moment and
 *       counter set to distinct values) into DIR, loads each MODEL, and
 *       prints JSON: the test image, then for each model its file, config,
 *       counters, recipe, every tensor's and Adam moment's CRC-32 and sum,
 *       and nn_model_predict's logits and probabilities for the image.
 *   read-model-helper load FILE
 *       prints {"status": ..., "message": ...} and, if the file loads, the
 *       same description of it.
 *
 * Python checks docs/read_model.py against these numbers: a reader written
 * from docs/model-format.md must read exactly what the engine wrote, refuse
 * what it refuses, and compute the same probabilities. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "model.h"
#include "rng.h"

static float image[NN_IMAGE_PIXELS];

/* A thick ring with soft edges, something like a 0. */
static void
make_image(void)
{
    for (int y = 0; y < NN_IMAGE_SIDE; y++)
        for (int x = 0; x < NN_IMAGE_SIDE; x++) {
            float d = hypotf((float)x - 13.5f, ((float)y - 13.5f) * 0.8f);
            float v = 1.0f - fabsf(d - 8.0f) / 2.5f;
            image[y * NN_IMAGE_SIDE + x] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
        }
}

static void
print_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void
print_floats(const float *x, int n)
{
    putchar('[');
    for (int i = 0; i < n; i++)
        printf("%s%.9g", i ? ", " : "", x[i]);
    putchar(']');
}

/* One tensor (or Adam moment) as {"name", "dims", "crc", "sum"}: the CRC-32
 * of its values as little-endian float32 bytes, and their sum in double in
 * file order. */
static void
print_tensor(const NnTensor *t, const char *suffix, const float *data, bool first)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    double sum = 0.0;
    for (size_t k = 0; k < t->size; k++) {
        uint32_t bits;
        memcpy(&bits, &data[k], 4);
        unsigned char le[4] = { bits, bits >> 8, bits >> 16, bits >> 24 };
        crc = crc32(crc, le, 4);
        sum += data[k];
    }
    printf("%s\n    {\"name\": \"%s%s\", \"dims\": [", first ? "" : ",", t->name, suffix);
    for (int d = 0; d < t->ndim; d++)
        printf("%s%d", d ? ", " : "", t->dims[d]);
    printf("], \"crc\": %lu, \"sum\": %.17g}", crc, sum);
}

static int
describe(NnModel *m, const char *file)
{
    const NnModelConfig *c = nn_model_config(m);
    float probs[NN_CLASSES];
    NnError err;
    if (nn_model_predict(m, image, 1, probs, &err) != NN_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    printf("{\"file\": ");
    print_string(file);
    printf(",\n  \"config\": {\"padding\": \"%s\", \"blocks\": %d, \"convs_per_block\": %d, "
           "\"filters\": [%d, %d, %d], \"dense\": %d, \"batch_norm\": %s, \"dropout_conv\": %.9g, "
           "\"dropout_dense\": %.9g},\n",
           nn_padding_name(c->padding), c->blocks, c->convs_per_block, c->filters[0], c->filters[1],
           c->filters[2], c->dense, c->batch_norm ? "true" : "false", c->dropout_conv, c->dropout_dense);
    printf("  \"temperature\": %.9g, \"step\": %llu, \"epochs_done\": %d, \"optimizer_state\": %s, \"recipe\": ",
           nn_model_temperature(m), (unsigned long long)nn_model_step(m), nn_model_epochs_done(m),
           nn_model_has_optimizer_state(m) ? "true" : "false");
    print_string(nn_model_recipe(m));
    printf(",\n  \"tensors\": [");
    bool moments = nn_model_has_optimizer_state(m) && nn_model_tensor(m, 0)->adam_m != NULL;
    for (int i = 0; i < nn_model_tensor_count(m); i++)
        print_tensor(nn_model_tensor(m, i), "", nn_model_tensor(m, i)->data, i == 0);
    for (int i = 0; moments && i < nn_model_tensor_count(m); i++) {
        const NnTensor *t = nn_model_tensor(m, i);
        if (t->trainable) {
            print_tensor(t, ".adam_m", t->adam_m, false);
            print_tensor(t, ".adam_v", t->adam_v, false);
        }
    }
    printf("],\n  \"logits\": ");
    print_floats(nn_model_last_logits(m), NN_CLASSES);
    printf(",\n  \"probs\": ");
    print_floats(probs, NN_CLASSES);
    printf("}");
    return 0;
}

/* The configs saved: the paper's network, and one of each shape class with
 * odd map sizes, no BN, no dense layer, one block. */
typedef struct {
    const char *name;
    NnModelConfig config;
    bool optimizer;
    float temperature;
    const char *recipe;
} Case;

static const Case cases[] = {
    { "paper", { NN_PADDING_SAME, 2, 2, { 32, 64, 0 }, 128, true, 0.25f, 0.5f }, true, 1.0f,
      "digitlab-cli train --seed 4 --note café" },
    { "no-bn", { NN_PADDING_SAME, 2, 2, { 8, 16, 0 }, 32, false, 0.25f, 0.5f }, false, 1.7f, "" },
    { "odd-same", { NN_PADDING_SAME, 3, 2, { 4, 6, 8 }, 16, true, 0.1f, 0.2f }, false, 0.8f, "odd sizes" },
    { "valid-1conv", { NN_PADDING_VALID, 3, 1, { 4, 8, 16 }, 0, true, 0.0f, 0.0f }, true, 1.3f, "" },
    { "one-block-no-bn", { NN_PADDING_VALID, 1, 1, { 6, 0, 0 }, 0, false, 0.3f, 0.0f }, true, 2.0f, "one block" },
    { "no-bn-dense-valid", { NN_PADDING_VALID, 2, 2, { 6, 10, 0 }, 24, false, 0.0f, 0.0f }, true, 1.0f, "" },
};

/* Distinct values everywhere, so a reader that misplaces anything shows:
 * Glorot's weights (the output layer's scaled up, for confident
 * predictions), and every other tensor, Adam moment and counter drawn. */
static NnModel *
make_model(const Case *c, uint64_t seed, NnError *err)
{
    NnModel *m;
    if (nn_model_new(&c->config, seed, &m, err) != NN_OK)
        return NULL;
    if (c->optimizer && nn_model_reserve_training(m, 1, err) != NN_OK) {
        nn_model_free(m);
        return NULL;
    }
    NnRng rng = nn_rng_seed(seed + 1000);
    const NnTensor *output = NULL;
    for (int i = 0; i < nn_model_tensor_count(m); i++) {
        const NnTensor *t = nn_model_tensor(m, i);
        if (strstr(t->name, ".weight") != NULL)
            output = t;
    }
    for (int i = 0; i < nn_model_tensor_count(m); i++) {
        const NnTensor *t = nn_model_tensor(m, i);
        bool weight = strstr(t->name, ".weight") != NULL, var = strstr(t->name, "running_var") != NULL;
        bool gamma = strstr(t->name, "gamma") != NULL;
        for (size_t k = 0; k < t->size; k++) {
            if (t == output)
                t->data[k] *= 4.0f;
            else if (var)
                t->data[k] = nn_rng_range(&rng, 0.5f, 2.0f);
            else if (!weight)
                t->data[k] = nn_rng_range(&rng, -0.3f, 0.3f) + (gamma ? 1.0f : 0.0f);
            if (t->adam_m != NULL) {
                t->adam_m[k] = nn_rng_range(&rng, -1e-2f, 1e-2f);
                t->adam_v[k] = nn_rng_range(&rng, 0.0f, 1e-4f);
            }
        }
    }
    nn_model_set_step(m, 0x100000000ull + 1000 * seed);
    nn_model_set_epochs_done(m, (int)seed);
    nn_model_set_temperature(m, c->temperature);
    nn_model_set_recipe(m, c->recipe);
    return m;
}

static int
save(const char *dir, int n_models, char **models)
{
    int status = 0;
    printf("{\"image\": ");
    print_floats(image, NN_IMAGE_PIXELS);
    printf(",\n\"models\": [\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        NnError err;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.dlm", dir, cases[i].name);
        NnModel *m = make_model(&cases[i], 3 + i, &err);
        if (m == NULL || nn_model_save(m, path, cases[i].optimizer, &err) != NN_OK) {
            fprintf(stderr, "%s: %s\n", cases[i].name, err.message);
            return 1;
        }
        printf("%s", i ? ",\n" : "");
        status |= describe(m, path);
        nn_model_free(m);
    }
    for (int i = 0; i < n_models; i++) {
        NnModel *m;
        NnError err;
        if (nn_model_load(models[i], &m, &err) != NN_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        printf(",\n");
        status |= describe(m, models[i]);
        nn_model_free(m);
    }
    printf("]}\n");
    return status;
}

static const char *
status_name(NnStatus status)
{
    static const char *const names[] = {
        [NN_OK] = "NN_OK", [NN_ERR_IO] = "NN_ERR_IO", [NN_ERR_FORMAT] = "NN_ERR_FORMAT",
        [NN_ERR_CHECKSUM] = "NN_ERR_CHECKSUM", [NN_ERR_VERSION] = "NN_ERR_VERSION",
        [NN_ERR_ARCH] = "NN_ERR_ARCH", [NN_ERR_NOMEM] = "NN_ERR_NOMEM",
    };
    return status < sizeof names / sizeof names[0] && names[status] != NULL ? names[status] : "other";
}

static int
load(const char *path)
{
    NnModel *m;
    NnError err;
    nn_error_clear(&err);
    NnStatus status = nn_model_load(path, &m, &err);
    printf("{\"status\": \"%s\", \"message\": ", status_name(status));
    print_string(err.message);
    printf(", \"model\": ");
    int failed = 0;
    if (status == NN_OK) {
        failed = describe(m, path);
        nn_model_free(m);
    } else {
        printf("null");
    }
    printf("}\n");
    return failed;
}

int
main(int argc, char **argv)
{
    make_image();
    if (argc >= 3 && strcmp(argv[1], "save") == 0)
        return save(argv[2], argc - 3, argv + 3);
    if (argc == 3 && strcmp(argv[1], "load") == 0)
        return load(argv[2]);
    fprintf(stderr, "usage: %s save DIR [MODEL...] | load FILE\n", argv[0]);
    return 2;
}
