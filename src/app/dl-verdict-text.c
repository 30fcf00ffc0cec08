/* dl-verdict-text.c — probabilities and verdicts in words; see dl-verdict-text.h. */
#include "dl-verdict-text.h"

#include <glib/gi18n.h>
#include <math.h>

/* The whole percent shown, with the two ends kept for exactly 0 and 1:
 * -1 stands for "< 1", 101 for "> 99". */
static int
honest_percent(float p)
{
    if (!(p > 0.0f)) /* also nan */
        return 0;
    if (p >= 1.0f)
        return 100;
    long percent = lroundf(100.0f * p);
    return percent >= 100 ? 101 : percent < 1 ? -1 : (int)percent;
}

void
dl_probabilities_for_display(const float probs[NN_CLASSES], float out[NN_CLASSES])
{
    g_return_if_fail(probs != NULL && out != NULL);

    float clean[NN_CLASSES];
    double sum = 0.0;
    for (int k = 0; k < NN_CLASSES; k++) {
        clean[k] = isfinite(probs[k]) ? CLAMP(probs[k], 0.0f, 1.0f) : 0.0f;
        sum += clean[k];
    }
    for (int k = 0; k < NN_CLASSES; k++) {
        out[k] = clean[k];
        if (clean[k] >= 1.0f && sum - clean[k] > 0.0)
            out[k] = nextafterf(1.0f, 0.0f);
    }
}

char *
dl_format_probability(float p)
{
    int percent = honest_percent(p);

    if (percent == 101)
        /* TRANSLATORS: a probability just short of certain */
        return g_strdup(_("> 99 %"));
    if (percent == -1)
        /* TRANSLATORS: a probability above zero but below one percent */
        return g_strdup(_("< 1 %"));
    /* TRANSLATORS: a probability in percent, e.g. "98 %" */
    return g_strdup_printf(_("%d %%"), percent);
}

char *
dl_format_probability_short(float p)
{
    int percent = honest_percent(p);

    if (percent == 101)
        return g_strdup(">99");
    if (percent == -1)
        return g_strdup("<1");
    return g_strdup_printf("%d", percent);
}

char *
dl_verdict_describe(const NnVerdict *verdict)
{
    g_return_val_if_fail(verdict != NULL, NULL);

    g_autofree char *p1 = dl_format_probability(verdict->p1);
    g_autofree char *p2 = dl_format_probability(verdict->p2);
    switch (verdict->kind) {
    case NN_VERDICT_SURE:
        /* TRANSLATORS: the verdict on a drawing, e.g. "Sure: 7 (98 %)" */
        return g_strdup_printf(_("Sure: %d (%s)"), verdict->digit, p1);
    case NN_VERDICT_UNSURE:
        /* TRANSLATORS: the verdict on a drawing: the two most probable digits */
        return g_strdup_printf(_("Unsure: maybe a %d (%s), or a %d (%s)"), verdict->digit, p1, verdict->second, p2);
    case NN_VERDICT_NOT_DIGIT:
    default:
        if (verdict->too_small)
            /* TRANSLATORS: the verdict on a click or a tiny drawing */
            return g_strdup(_("Not a digit: too small to read"));
        /* TRANSLATORS: the verdict on a drawing that looks like no digit */
        return g_strdup_printf(_("Not a digit (the most probable, %d, has %s)"), verdict->digit, p1);
    }
}
