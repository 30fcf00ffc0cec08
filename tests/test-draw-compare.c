/* Runs compared on one plot (dl_draw_compare() in src/plot), on image
 * surfaces, no display: every run drawn in its own colour on all three
 * plots, the current run on top, the read-out, and a legend of four runs
 * that fits a narrow plot. With $DIGITLAB_DRAW_OUT set the pictures are
 * kept there to be looked at. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dl-draw.h"

enum { WIDTH = 800, HEIGHT = 400 };

/* A run of `epochs` epochs whose accuracy climbs towards `top`. */
static DlHistory *
run_history(int epochs, double top, double lr_max)
{
    DlHistory *h = dl_history_new();
    NnSchedule schedule = nn_schedule_default();
    schedule.lr_max = lr_max;
    schedule.warmup = 1;
    dl_history_reset(h, &schedule, epochs, 0, FALSE);
    for (int e = 1; e <= epochs; e++) {
        double acc = top - (top - 0.5) * exp(-0.8 * e);
        NnEpochStats s = { .epoch = e, .epochs = epochs, .lr = lr_max, .train_loss = 1.5 / (e + 1),
                           .train_accuracy = acc - 0.03, .val_loss = 1.2 / (e + 1), .val_accuracy = acc,
                           .seconds = 1, .images_per_s = 100 };
        dl_history_add_epoch(h, &s);
    }
    return h;
}

static cairo_surface_t *
draw(DlPlotKind kind, const DlPlotRun *runs, int n, const DlDrawStyle *style, int width, const DlPlotHover *hover,
     const char *name)
{
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, HEIGHT);
    cairo_t *cr = cairo_create(surface);
    dl_draw_compare(cr, width, HEIGHT, kind, runs, n, style, hover);
    assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    const char *dir = g_getenv("DIGITLAB_DRAW_OUT");
    if (dir != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        cairo_surface_write_to_png(surface, path);
    }
    return surface;
}

/* Pixels within a few steps of colour c, opaque enough to be a line. */
static int
count_color(cairo_surface_t *surface, const DlColor *c)
{
    const unsigned char *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface), n = 0;
    int w = cairo_image_surface_get_width(surface), h = cairo_image_surface_get_height(surface);
    int want[3] = { (int)lround(c->red * 255), (int)lround(c->green * 255), (int)lround(c->blue * 255) };
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t p = *(const uint32_t *)(const void *)(data + (size_t)y * stride + 4 * (size_t)x);
            int a = p >> 24;
            if (a < 250)
                continue;
            int rgb[3] = { (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff };
            gboolean near = TRUE;
            for (int k = 0; k < 3; k++)
                near &= abs(rgb[k] - want[k]) <= 6;
            n += near;
        }
    return n;
}

static int
differing_pixels(cairo_surface_t *a, cairo_surface_t *b)
{
    const unsigned char *da = cairo_image_surface_get_data(a), *db = cairo_image_surface_get_data(b);
    int stride = cairo_image_surface_get_stride(a), n = 0;
    for (int y = 0; y < cairo_image_surface_get_height(a); y++)
        n += memcmp(da + (size_t)y * stride, db + (size_t)y * stride, 4 * (size_t)cairo_image_surface_get_width(a)) != 0;
    return n;
}

static void
test_every_run_in_its_colour(void **state)
{
    (void)state;
    g_autoptr(DlHistory) a = run_history(6, 0.98, 1e-3), b = run_history(4, 0.90, 3e-3);
    DlPlotRun runs[2] = { { "Paper", a, FALSE, 0 }, { "No augmentation", b, FALSE, 1 } };
    const gboolean darks[2] = { FALSE, TRUE };
    for (int d = 0; d < 2; d++) {
        DlDrawStyle style;
        dl_draw_style_init(&style, 14, darks[d], FALSE);
        style.paint_background = TRUE;
        DlColor c0, c1;
        dl_draw_run_color(&style, 0, &c0);
        dl_draw_run_color(&style, 1, &c1);
        assert_true(memcmp(&c0, &style.training, sizeof c0) == 0);
        assert_false(memcmp(&c0, &c1, sizeof c0) == 0);
        const DlPlotKind kinds[3] = { DL_PLOT_ACCURACY, DL_PLOT_LOSS, DL_PLOT_LEARNING_RATE };
        for (int k = 0; k < 3; k++) {
            g_autofree char *name = g_strdup_printf("compare-%d-%s.png", k, darks[d] ? "dark" : "light");
            cairo_surface_t *s = draw(kinds[k], runs, 2, &style, WIDTH, NULL, name);
            int n0 = count_color(s, &c0), n1 = count_color(s, &c1);
            if (n0 < 150 || n1 < 150)
                fail_msg("plot %d (%s): %d pixels of run 0's colour, %d of run 1's", k, darks[d] ? "dark" : "light",
                         n0, n1);
            cairo_surface_destroy(s);
        }
    }
}

/* Two runs with the same curves: the current one covers the other. */
static void
test_current_run_on_top(void **state)
{
    (void)state;
    g_autoptr(DlHistory) a = run_history(5, 0.97, 1e-3), b = run_history(5, 0.97, 1e-3);
    DlDrawStyle style;
    dl_draw_style_init(&style, 14, FALSE, FALSE);
    DlColor c0, c1;
    dl_draw_run_color(&style, 0, &c0);
    dl_draw_run_color(&style, 1, &c1);
    for (int current = 0; current < 2; current++) {
        DlPlotRun runs[2] = { { "First", a, current == 0, 0 }, { "Second", b, current == 1, 1 } };
        cairo_surface_t *s = draw(DL_PLOT_ACCURACY, runs, 2, &style, WIDTH, NULL, "compare-current.png");
        int n0 = count_color(s, &c0), n1 = count_color(s, &c1);
        /* The legend shows both; the curves only the one on top. */
        if (current == 0 ? n0 < 4 * n1 : n1 < 4 * n0)
            fail_msg("current run %d: %d pixels of run 0's colour, %d of run 1's", current, n0, n1);
        cairo_surface_destroy(s);
    }
}

static void
test_readout_and_narrow_legend(void **state)
{
    (void)state;
    g_autoptr(DlHistory) a = run_history(6, 0.98, 1e-3), b = run_history(6, 0.95, 2e-3);
    g_autoptr(DlHistory) c = run_history(3, 0.91, 1e-3), d = run_history(6, 0.93, 5e-4);
    DlPlotRun runs[4] = { { "Paper recipe, seed 1", a, TRUE, 0 }, { "No augmentation, seed 1", b, FALSE, 1 },
                          { "Three epochs", c, FALSE, 2 }, { "Half the learning rate", d, FALSE, 3 } };
    DlDrawStyle style;
    dl_draw_style_init(&style, 14, FALSE, FALSE);
    style.paint_background = TRUE;
    /* At 320 px the legend takes several rows: every run's colour is still in it. */
    cairo_surface_t *narrow = draw(DL_PLOT_LOSS, runs, 4, &style, 320, NULL, "compare-narrow.png");
    for (int i = 0; i < 4; i++) {
        DlColor col;
        dl_draw_run_color(&style, i, &col);
        assert_true(count_color(narrow, &col) > 20);
    }
    cairo_surface_destroy(narrow);

    /* Hovering epoch 3 adds a read-out; outside the plot nothing. */
    cairo_surface_t *plain = draw(DL_PLOT_ACCURACY, runs, 4, &style, WIDTH, NULL, "compare-4.png");
    DlPlotHover inside = { .x = WIDTH * 0.45, .y = HEIGHT * 0.4 }, outside = { .x = 2, .y = 2 };
    cairo_surface_t *hovered = draw(DL_PLOT_ACCURACY, runs, 4, &style, WIDTH, &inside, "compare-hover.png");
    cairo_surface_t *away = draw(DL_PLOT_ACCURACY, runs, 4, &style, WIDTH, &outside, "compare-away.png");
    assert_true(differing_pixels(plain, hovered) > 40);
    assert_int_equal(differing_pixels(plain, away), 0);
    cairo_surface_t *lr = draw(DL_PLOT_LEARNING_RATE, runs, 4, &style, WIDTH, &inside, "compare-lr-hover.png");
    cairo_surface_destroy(lr);

    /* The keyboard's read-out at epoch 5: every run that got there, in the
     * legend's order, validation values; the text says what is drawn. */
    char said[320];
    DlPlotHover keyboard = { .at_epoch = TRUE, .epoch = 5, .text = said, .text_size = sizeof said };
    cairo_surface_t *keyed = draw(DL_PLOT_ACCURACY, runs, 4, &style, WIDTH, &keyboard, "compare-keyboard.png");
    assert_true(differing_pixels(plain, keyed) > 40);
    assert_true(g_str_has_prefix(said, "After epoch 5: validation: Paper recipe, seed 1 "));
    assert_non_null(strstr(said, "Half the learning rate"));
    assert_null(strstr(said, "Three epochs"));
    cairo_surface_destroy(keyed);
    keyboard.epoch = 1;
    cairo_surface_destroy(draw(DL_PLOT_LEARNING_RATE, runs, 4, &style, WIDTH, &keyboard, "compare-lr-keyboard.png"));
    assert_true(g_str_has_prefix(said, "Epoch 2: Paper recipe, seed 1 "));
    cairo_surface_destroy(plain);
    cairo_surface_destroy(hovered);
    cairo_surface_destroy(away);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_run_in_its_colour),
        cmocka_unit_test(test_current_run_on_top),
        cmocka_unit_test(test_readout_and_narrow_legend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
