/* The plots' axis arithmetic: nice ticks, log ticks, the data↔pixel mapping,
 * labels and the accuracy plot's y range. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "plot-scale.h"

/* |a - b| <= rel * max(|a|, |b|), for values that went through log10/pow. */
#define assert_rel(a, b, rel) \
    assert_true(fabs((double)(a) - (b)) <= (rel) * fmax(fabs((double)(a)), fabs((double)(b))))

static void
assert_ticks(const PlotTicks *t, const double *expected, int n)
{
    if (t->n != n) {
        for (int i = 0; i < t->n; i++)
            print_message("tick %d: %.17g%s\n", i, t->ticks[i].value, t->ticks[i].major ? "" : " (minor)");
    }
    assert_int_equal(t->n, n);
    for (int i = 0; i < n; i++)
        assert_rel(t->ticks[i].value, expected[i], 1e-9);
}

static void
test_nice_step(void **state)
{
    (void)state;
    /* {span, max_ticks, expected step} */
    static const double cases[][3] = {
        { 30, 6, 5 },        { 30, 8, 5 },      { 30, 3, 10 },  { 30, 15, 2 },
        { 10, 5, 2 },        { 1, 5, 0.2 },     { 0.1, 5, 0.02 }, { 100, 5, 20 },
        { 5, 5, 1 },         { 7, 7, 1 },       { 1e-3, 5, 2e-4 }, { 2e-7, 4, 5e-8 },
        { 4e9, 4, 1e9 },     { 123456, 5, 5e4 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double step = plot_nice_step(cases[i][0], (int)cases[i][1], false);
        if (fabs(step - cases[i][2]) > 1e-9 * cases[i][2])
            print_message("span %g, %g ticks: step %g, expected %g\n", cases[i][0], cases[i][1], step, cases[i][2]);
        assert_rel(step, cases[i][2], 1e-9);
    }
    /* Epoch axes never get fractional steps. */
    assert_rel(plot_nice_step(2, 8, true), 1, 0);
    assert_rel(plot_nice_step(1, 6, true), 1, 0);
    assert_rel(plot_nice_step(60, 6, true), 10, 0);
    /* Degenerate input still gives a usable step. */
    assert_rel(plot_nice_step(0, 5, false), 1, 0);
    assert_rel(plot_nice_step(-3, 5, false), 1, 0);
    assert_rel(plot_nice_step(NAN, 5, false), 1, 0);
    assert_true(plot_nice_step(10, 0, false) > 0);
}

static void
test_linear_ticks(void **state)
{
    (void)state;
    PlotTicks t;

    /* 0-30 epochs → 0, 5, ..., 30, all major, with a step of 5 for the labels. */
    plot_linear_ticks(0, 30, 6, true, &t);
    assert_ticks(&t, (const double[]){ 0, 5, 10, 15, 20, 25, 30 }, 7);
    assert_rel(t.step, 5, 0);
    for (int i = 0; i < t.n; i++)
        assert_true(t.ticks[i].major);

    /* 0.9-1.0: steps of 0.02, ends included despite 0.9 + 5 * 0.02 != 1.0 in binary. */
    plot_linear_ticks(0.9, 1.0, 5, false, &t);
    assert_ticks(&t, (const double[]){ 0.90, 0.92, 0.94, 0.96, 0.98, 1.00 }, 6);

    plot_linear_ticks(90, 100, 5, false, &t);
    assert_ticks(&t, (const double[]){ 90, 92, 94, 96, 98, 100 }, 6);

    plot_linear_ticks(99, 100, 5, false, &t);
    assert_ticks(&t, (const double[]){ 99, 99.2, 99.4, 99.6, 99.8, 100 }, 6);

    /* Ends that are ticks but not exactly in binary: 0.7 / 0.1 = 6.999...,
     * 0.14 / 0.02 = 7.000...1. */
    plot_linear_ticks(0, 0.7, 7, false, &t);
    assert_ticks(&t, (const double[]){ 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7 }, 8);
    plot_linear_ticks(0.14, 0.24, 5, false, &t);
    assert_ticks(&t, (const double[]){ 0.14, 0.16, 0.18, 0.20, 0.22, 0.24 }, 6);
    /* ceil(-0.3) is -0: the tick must still be a plain 0. */
    plot_linear_ticks(-0.3, 1, 2, false, &t);
    assert_ticks(&t, (const double[]){ 0, 1 }, 2);
    assert_true(!signbit(t.ticks[0].value));

    /* Ranges that do not start on a tick. */
    plot_linear_ticks(0.3, 9.7, 5, false, &t);
    assert_ticks(&t, (const double[]){ 2, 4, 6, 8 }, 4);
    plot_linear_ticks(-7, 7, 4, false, &t);
    assert_ticks(&t, (const double[]){ -5, 0, 5 }, 3);
    assert_true(!signbit(t.ticks[1].value)); /* a plain 0, never -0 */

    /* Tiny and huge. */
    plot_linear_ticks(0, 1e-3, 5, false, &t);
    assert_ticks(&t, (const double[]){ 0, 2e-4, 4e-4, 6e-4, 8e-4, 1e-3 }, 6);
    plot_linear_ticks(1e-7, 3e-7, 4, false, &t);
    assert_ticks(&t, (const double[]){ 1e-7, 1.5e-7, 2e-7, 2.5e-7, 3e-7 }, 5);
    plot_linear_ticks(1e9, 5e9, 4, false, &t);
    assert_ticks(&t, (const double[]){ 1e9, 2e9, 3e9, 4e9, 5e9 }, 5);

    /* Small epoch counts keep integer ticks. */
    plot_linear_ticks(0, 3, 8, true, &t);
    assert_ticks(&t, (const double[]){ 0, 1, 2, 3 }, 4);
    plot_linear_ticks(0, 1, 8, true, &t);
    assert_ticks(&t, (const double[]){ 0, 1 }, 2);

    /* Empty, inverted or absurd ranges give no ticks and no overflow. */
    assert_int_equal(plot_linear_ticks(1, 1, 5, false, &t), 0);
    assert_int_equal(plot_linear_ticks(2, 1, 5, false, &t), 0);
    assert_int_equal(plot_linear_ticks(0, INFINITY, 5, false, &t), 0);
    assert_true(plot_linear_ticks(0, 1, 1000, false, &t) <= PLOT_MAX_TICKS);
}

static void
test_nice_range(void **state)
{
    (void)state;
    double lo = 0.3, hi = 9.7;
    plot_nice_range(&lo, &hi, 5, false);
    assert_rel(lo, 0, 0);
    assert_rel(hi, 10, 1e-12);

    lo = 0, hi = 1.1e-3; /* the peak learning rate and a little */
    plot_nice_range(&lo, &hi, 5, false);
    assert_rel(lo, 0, 0);
    assert_rel(hi, 1.5e-3, 1e-9); /* steps of 5e-4 */

    lo = 1e-3, hi = 1e-3; /* a flat schedule */
    plot_nice_range(&lo, &hi, 5, false);
    assert_true(lo < 1e-3 && hi > 1e-3);

    lo = 0, hi = 0;
    plot_nice_range(&lo, &hi, 5, false);
    assert_true(lo <= -1 && hi >= 1);
}

static void
test_log_range(void **state)
{
    (void)state;
    /* {lo, hi, expected lo, expected hi}: outwards onto the 1-2-5 grid */
    static const double cases[][4] = {
        { 0.0012, 2.3, 0.001, 5 }, { 0.015, 2.41, 0.01, 5 },  { 0.03, 0.7, 0.02, 1 },
        { 0.1, 1, 0.1, 1 },        { 0.25, 9, 0.2, 10 },       { 3e-5, 4e-3, 2e-5, 5e-3 },
        { 120, 4500, 100, 5000 },  { 0.001, 0.001, 5e-4, 2e-3 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double lo = cases[i][0], hi = cases[i][1];
        plot_log_range(&lo, &hi);
        if (fabs(lo - cases[i][2]) > 1e-9 * cases[i][2] || fabs(hi - cases[i][3]) > 1e-9 * cases[i][3])
            print_message("%g..%g → %g..%g, expected %g..%g\n", cases[i][0], cases[i][1], lo, hi,
                          cases[i][2], cases[i][3]);
        assert_rel(lo, cases[i][2], 1e-9);
        assert_rel(hi, cases[i][3], 1e-9);
    }
    /* Non-positive values (a loss of 0) never reach log10. */
    double lo = 0, hi = 2;
    plot_log_range(&lo, &hi);
    assert_true(lo > 0 && hi >= 2);
    lo = -1, hi = -1;
    plot_log_range(&lo, &hi);
    assert_true(lo > 0 && hi > lo);
}

static void
test_log_ticks(void **state)
{
    (void)state;
    PlotTicks t;

    /* The loss axis of a run: 0.0012..2.3 widens to 0.001..5; majors at the
     * decades 0.001, 0.01, 0.1, 1, minors at 2..9 of each (and 2..5 of 1). */
    double lo = 0.0012, hi = 2.3;
    plot_log_range(&lo, &hi);
    plot_log_ticks(lo, hi, 6, &t);
    assert_int_equal(t.n, 3 * 9 + 5); /* 0.001..0.009, 0.01..0.09, 0.1..0.9, 1..5 */
    assert_rel(t.step, 0, 0);
    int majors = 0;
    for (int i = 0; i < t.n; i++) {
        double v = t.ticks[i].value;
        double mantissa = v / pow(10, floor(log10(v) + 1e-9));
        assert_true(t.ticks[i].major == (fabs(mantissa - 1) < 1e-9));
        majors += t.ticks[i].major;
        if (i > 0)
            assert_true(v > t.ticks[i - 1].value);
    }
    assert_int_equal(majors, 4);
    assert_rel(t.ticks[0].value, 0.001, 1e-12);
    assert_rel(t.ticks[1].value, 0.002, 1e-12);
    assert_rel(t.ticks[9].value, 0.01, 1e-12);
    assert_rel(t.ticks[18].value, 0.1, 1e-12);
    assert_rel(t.ticks[27].value, 1, 1e-12);
    assert_rel(t.ticks[t.n - 1].value, 5, 1e-12);

    /* Less than two decades: the 2s and 5s are labelled too. */
    plot_log_ticks(0.02, 0.5, 6, &t);
    int labelled = 0;
    for (int i = 0; i < t.n; i++)
        labelled += t.ticks[i].major;
    assert_int_equal(labelled, 5); /* 0.02, 0.05, 0.1, 0.2, 0.5 */
    assert_rel(t.ticks[0].value, 0.02, 1e-12);
    assert_true(t.ticks[0].major);

    /* Many decades: every other power of ten, no minors. */
    plot_log_ticks(1e-10, 1e2, 6, &t);
    assert_ticks(&t, (const double[]){ 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1, 1e2 }, 7);
    for (int i = 0; i < t.n; i++)
        assert_true(t.ticks[i].major);

    assert_int_equal(plot_log_ticks(0, 1, 6, &t), 0);
    assert_int_equal(plot_log_ticks(1, 1, 6, &t), 0);
}

static void
test_mapping_round_trip(void **state)
{
    (void)state;
    /* An x axis 0..30 epochs over pixels 48..620, a y axis 90..100 % over 170..20. */
    PlotScale x = { 0, 30, 48, 620, false };
    PlotScale y = { 90, 100, 170, 20, false };
    assert_rel(plot_scale_to_pixel(&x, 0), 48, 1e-12);
    assert_rel(plot_scale_to_pixel(&x, 30), 620, 1e-12);
    assert_rel(plot_scale_to_pixel(&x, 15), 334, 1e-12);
    assert_rel(plot_scale_to_pixel(&y, 90), 170, 1e-12);
    assert_rel(plot_scale_to_pixel(&y, 100), 20, 1e-12);
    assert_rel(plot_scale_to_pixel(&y, 95), 95, 1e-12);

    /* A log axis: each decade gets the same height, 1 is two of three decades up. */
    PlotScale l = { 0.01, 10, 200, 50, true };
    assert_rel(plot_scale_to_pixel(&l, 0.1), 150, 1e-9);
    assert_rel(plot_scale_to_pixel(&l, 1), 100, 1e-9);
    assert_rel(plot_scale_to_pixel(&l, sqrt(10) * 0.1), 125, 1e-9);
    assert_true(isnan(plot_scale_to_pixel(&l, 0)));
    assert_true(isnan(plot_scale_to_pixel(&l, -1)));

    const PlotScale *scales[] = { &x, &y, &l };
    for (size_t s = 0; s < 3; s++) {
        for (int i = 0; i <= 100; i++) {
            double v = scales[s]->log ? pow(10, -2 + 3 * i / 100.0)
                                      : scales[s]->lo + (scales[s]->hi - scales[s]->lo) * i / 100.0;
            double p = plot_scale_to_pixel(scales[s], v);
            assert_rel(plot_scale_from_pixel(scales[s], p), v, 1e-9);
            double back = plot_scale_to_pixel(scales[s], plot_scale_from_pixel(scales[s], p));
            assert_rel(back, p, 1e-9);
        }
    }
    /* Outside the range maps outside the pixel range (the plot clips). */
    assert_true(plot_scale_to_pixel(&y, 50) > 170);
    /* A collapsed range does not divide by zero. */
    PlotScale flat = { 1, 1, 0, 100, false };
    assert_rel(plot_scale_to_pixel(&flat, 1), 0, 0);

    assert_rel(plot_snap(10), 10.5, 0);
    assert_rel(plot_snap(10.99), 10.5, 0);
    assert_rel(plot_snap(-0.2), -0.5, 0);
}

static void
assert_tick_label(double value, double step, const char *expected)
{
    char buf[PLOT_LABEL_SIZE];
    plot_format_tick(value, step, buf, sizeof buf);
    if (strcmp(buf, expected) != 0)
        print_message("tick %.17g (step %g): \"%s\", expected \"%s\"\n", value, step, buf, expected);
    assert_string_equal(buf, expected);
}

static void
assert_log_label(double value, const char *expected)
{
    char buf[PLOT_LABEL_SIZE];
    plot_format_log_tick(value, buf, sizeof buf);
    if (strcmp(buf, expected) != 0)
        print_message("log tick %.17g: \"%s\", expected \"%s\"\n", value, buf, expected);
    assert_string_equal(buf, expected);
}

static void
test_labels(void **state)
{
    (void)state;
    char buf[PLOT_LABEL_SIZE];

    assert_tick_label(0, 5, "0");
    assert_tick_label(25, 5, "25");
    assert_tick_label(0.9 + 2 * 0.02, 0.02, "0.94");
    assert_tick_label(99.2, 0.2, "99.2");
    assert_tick_label(99.0, 0.2, "99.0");
    assert_tick_label(0.75, 0.25, "0.75");
    assert_tick_label(1e-12, 0.2, "0");  /* rounding noise is zero */
    assert_tick_label(-1e-17, 5, "0");   /* never "-0" */
    /* The learning-rate axis: exponent form below 1e-3 steps. */
    assert_tick_label(2e-4, 2e-4, "2e-4");
    assert_tick_label(3 * 2e-4, 2e-4, "6e-4");
    assert_tick_label(1e-3, 2e-4, "1e-3");
    assert_tick_label(1.5e-7, 5e-8, "1.5e-7");
    assert_tick_label(3e9, 1e9, "3e9");
    assert_tick_label(1.5e6, 5e5, "1.5e6");

    assert_log_label(0.001, "0.001");
    assert_log_label(0.01, "0.01");
    assert_log_label(0.1, "0.1");
    assert_log_label(1, "1");
    assert_log_label(1000, "1000");
    assert_log_label(5 * 0.01, "0.05");
    assert_log_label(1e-4, "1e-4");
    assert_log_label(2e-5, "2e-5");
    assert_log_label(1e4, "1e4");
    assert_log_label(pow(10, -3), "0.001");
    assert_log_label(0.09999999999999999, "0.1");

    plot_format_sci(0.000924, 3, buf, sizeof buf);
    assert_string_equal(buf, "9.24e-4");
    plot_format_sci(0.001, 3, buf, sizeof buf);
    assert_string_equal(buf, "1e-3");
    plot_format_sci(1e-5, 3, buf, sizeof buf);
    assert_string_equal(buf, "1e-5");
    plot_format_sci(0.00050505, 2, buf, sizeof buf);
    assert_string_equal(buf, "5.1e-4");
    plot_format_sci(0, 3, buf, sizeof buf);
    assert_string_equal(buf, "0");

    plot_format_percent(99.5, 1, buf, sizeof buf);
    assert_string_equal(buf, "99.5 %");
    plot_format_percent(100 * 0.99123, 2, buf, sizeof buf);
    assert_string_equal(buf, "99.12 %");
    plot_format_percent(90, 0, buf, sizeof buf);
    assert_string_equal(buf, "90 %");

    plot_format_epoch(12, buf, sizeof buf);
    assert_string_equal(buf, "12");
    plot_format_epoch(2 + 37.0 / 469, buf, sizeof buf);
    assert_string_equal(buf, "2.08");

    /* A small buffer truncates, never overflows. */
    char tiny[4];
    plot_format_percent(99.5, 1, tiny, sizeof tiny);
    assert_string_equal(tiny, "99.");
}

static void
test_accuracy_range(void **state)
{
    (void)state;
    /* {lowest accuracy shown in %, expected lower bound}; the top is always 100 */
    static const double cases[][2] = {
        { NAN, 0 },   { 9.8, 0 },   { 49, 0 },    { 51, 50 },   { 60, 50 },  { 80.1, 50 },
        { 80.5, 80 }, { 89.9, 80 }, { 90.3, 90 }, { 93, 90 },   { 95.05, 90 }, { 95.2, 95 },
        { 97.9, 95 }, { 98.05, 98 }, { 98.9, 98 }, { 99.03, 99 }, { 99.7, 99 }, { 100, 99 },
        { -5, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double lo = -1, hi = -1;
        plot_accuracy_range(cases[i][0], &lo, &hi);
        if (lo != cases[i][1])
            print_message("lowest %g %%: from %g, expected %g\n", cases[i][0], lo, cases[i][1]);
        assert_rel(lo, cases[i][1], 0);
        assert_rel(hi, 100, 0);
        /* The lowest value is always inside the range, clear of the edge. */
        if (!isnan(cases[i][0]) && cases[i][0] >= 0)
            assert_true(cases[i][0] >= lo);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_step),
        cmocka_unit_test(test_linear_ticks),
        cmocka_unit_test(test_nice_range),
        cmocka_unit_test(test_log_range),
        cmocka_unit_test(test_log_ticks),
        cmocka_unit_test(test_mapping_round_trip),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_accuracy_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
