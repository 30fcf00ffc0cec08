/* test-verdict-text.c — probabilities and verdicts as the app words them:
 * rounded honestly (never "100 %" unless it is), and the verdict in a
 * sentence. No display needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "dl-verdict-text.h"

static void
assert_formats(float p, const char *expected, const char *expected_short)
{
    g_autofree char *text = dl_format_probability(p);
    g_autofree char *short_text = dl_format_probability_short(p);

    if (strcmp(text, expected) != 0 || strcmp(short_text, expected_short) != 0)
        fail_msg("%.9g: \"%s\" / \"%s\", expected \"%s\" / \"%s\"", p, text, short_text, expected, expected_short);
}

static void
test_honest_rounding(void **state)
{
    assert_formats(1.0f, "100 %", "100");
    assert_formats(0.0f, "0 %", "0");
    assert_formats(0.98f, "98 %", "98");
    assert_formats(0.5f, "50 %", "50");
    assert_formats(0.994f, "99 %", "99");
    /* would round to 100 or 0: not said */
    assert_formats(0.995f, "> 99 %", ">99");
    assert_formats(0.99999994f, "> 99 %", ">99");
    assert_formats(0.004f, "< 1 %", "<1");
    assert_formats(1e-12f, "< 1 %", "<1");
    assert_formats(0.005f, "1 %", "1");
    /* out of range, or no number */
    assert_formats(NAN, "0 %", "0");
    assert_formats(-0.5f, "0 %", "0");
    assert_formats(2.0f, "100 %", "100");
}

static void
test_display_probabilities(void **state)
{
    /* Float rounding makes the softmax exactly 1 beside values above 0:
     * shown just under 1, so "> 99 %". */
    const float rounded[NN_CLASSES] = { 1.0f, 4e-12f, 1.9e-9f, 0, 0, 0, 0, 7e-10f, 0, 1.4e-7f };
    float out[NN_CLASSES];
    dl_probabilities_for_display(rounded, out);
    assert_true(out[0] < 1.0f && out[0] > 0.999f);
    g_autofree char *text = dl_format_probability(out[0]);
    assert_string_equal(text, "> 99 %");
    for (int k = 1; k < NN_CLASSES; k++)
        assert_true(out[k] == rounded[k]);

    /* Really certain: every other probability 0. */
    const float certain[NN_CLASSES] = { 0, 0, 0, 1.0f, 0, 0, 0, 0, 0, 0 };
    dl_probabilities_for_display(certain, out);
    assert_true(out[3] == 1.0f);

    /* nan and out-of-range values are shown as 0 and clamped. */
    const float broken[NN_CLASSES] = { NAN, INFINITY, -1.0f, 0.5f, 1.5f, 0, 0, 0, 0, 0 };
    dl_probabilities_for_display(broken, out);
    assert_true(out[0] == 0.0f && out[1] == 0.0f && out[2] == 0.0f && out[3] == 0.5f);
    assert_true(out[4] < 1.0f); /* 1 beside 0.5: not certain */
}

static void
test_describe(void **state)
{
    NnVerdict sure = { .kind = NN_VERDICT_SURE, .digit = 7, .second = 1, .p1 = 0.98f, .p2 = 0.01f };
    NnVerdict unsure = { .kind = NN_VERDICT_UNSURE, .digit = 7, .second = 1, .p1 = 0.62f, .p2 = 0.31f };
    NnVerdict none = { .kind = NN_VERDICT_NOT_DIGIT, .digit = 3, .second = 8, .p1 = 0.28f, .p2 = 0.2f };
    NnVerdict almost = { .kind = NN_VERDICT_UNSURE, .digit = 4, .second = 9, .p1 = 0.996f, .p2 = 0.004f };

    g_autofree char *a = dl_verdict_describe(&sure);
    g_autofree char *b = dl_verdict_describe(&unsure);
    g_autofree char *c = dl_verdict_describe(&none);
    g_autofree char *d = dl_verdict_describe(&almost);
    assert_string_equal(a, "Sure: 7 (98 %)");
    assert_string_equal(b, "Unsure: maybe a 7 (62 %), or a 1 (31 %)");
    assert_string_equal(c, "Not a digit (the most probable, 3, has 28 %)");
    /* an unsure top answer never reads as certain */
    assert_string_equal(d, "Unsure: maybe a 4 (> 99 %), or a 9 (< 1 %)");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_honest_rounding),
        cmocka_unit_test(test_display_probabilities),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
