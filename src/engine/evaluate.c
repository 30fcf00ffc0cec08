#include "evaluate.h"

#include <stdlib.h>
#include <string.h>

#include "augment.h"

int
nn_eval_correct(const NnEvalResult *result)
{
    int correct = 0;
    for (int k = 0; k < NN_CLASSES; k++)
        correct += result->confusion[k][k];
    return correct;
}

int
nn_argmax(const float *probs, int n)
{
    int best = 0;
    for (int k = 1; k < n; k++)
        if (probs[k] > probs[best])
            best = k;
    return best;
}

NnStatus
nn_evaluate(NnModel *model, const NnDataset *data, NnEvalResult *r, NnError *err)
{
    return nn_evaluate_ex(model, data, NULL, r, err);
}

NnStatus
nn_evaluate_ex(NnModel *model, const NnDataset *data, const NnEvalOptions *options,
               NnEvalResult *r, NnError *err)
{
    static const NnEvalOptions none = { 0 };
    const int batch = 128;
    if (options == NULL)
        options = &none;
    memset(r, 0, sizeof *r);
    if (data->count <= 0)
        return nn_error_set(err, NN_ERR_EMPTY, "no images to evaluate");
    NnStatus status = nn_model_reserve(model, batch, err);
    if (status != NN_OK)
        return status;
    float *images = malloc(sizeof(float) * NN_IMAGE_PIXELS * batch);
    if (images == NULL)
        return nn_error_set(err, NN_ERR_NOMEM, "out of memory for evaluation");

    double loss_sum = 0.0;
    int correct = 0;
    for (int start = 0; start < data->count; start += batch) {
        if (options->should_stop != NULL && options->should_stop(options->user)) {
            free(images);
            return nn_error_set(err, NN_ERR_CANCELLED, "evaluation stopped");
        }
        int b = data->count - start < batch ? data->count - start : batch;
        for (int i = 0; i < b; i++)
            nn_image_to_float(data->images + (size_t)(start + i) * NN_IMAGE_PIXELS,
                              images + (size_t)i * NN_IMAGE_PIXELS);
        const uint8_t *labels = data->labels + start;
        loss_sum += (double)nn_model_forward(model, images, labels, b, false, NULL, &correct) * b;
        const float *probs = nn_model_last_probs(model); /* [class][image] */
        for (int i = 0; i < b; i++) {
            float p[NN_CLASSES];
            for (int k = 0; k < NN_CLASSES; k++)
                p[k] = probs[(size_t)k * b + i];
            int best = nn_argmax(p, NN_CLASSES);
            if (labels[i] < NN_CLASSES)
                r->confusion[labels[i]][best]++;
            if (options->predicted != NULL)
                options->predicted[start + i] = (uint8_t)best;
            if (options->probs != NULL)
                memcpy(options->probs + (size_t)(start + i) * NN_CLASSES, p, sizeof p);
        }
        if (options->progress != NULL)
            options->progress(start + b, data->count, options->user);
    }
    free(images);

    r->n = data->count;
    r->loss = loss_sum / data->count;
    r->accuracy = (double)correct / data->count;
    for (int k = 0; k < NN_CLASSES; k++) {
        int total = 0;
        for (int j = 0; j < NN_CLASSES; j++)
            total += r->confusion[k][j];
        r->per_class_accuracy[k] = total > 0 ? (double)r->confusion[k][k] / total : 0.0;
    }
    return NN_OK;
}
