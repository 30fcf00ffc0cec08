/* src/plot's drawing on image surfaces, no display: the confusion matrix
 * (its cells where dl_draw_confusion_hit() says they are, the diagonal and
 * the errors in their hues, highlights, text that scales with the style). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dl-draw.h"

typedef struct {
    cairo_surface_t *surface;
    int width, height;
} Image;

static Image
image_new(int width, int height)
{
    Image im = { cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height), width, height };
    assert_int_equal(cairo_surface_status(im.surface), CAIRO_STATUS_SUCCESS);
    return im;
}

/* The pixel at (x, y), unpremultiplied onto white, as 0-255 RGB. */
static void
pixel(Image *im, int x, int y, int rgb[3])
{
    cairo_surface_flush(im->surface);
    const unsigned char *data = cairo_image_surface_get_data(im->surface);
    int stride = cairo_image_surface_get_stride(im->surface);
    uint32_t p = *(const uint32_t *)(const void *)(data + (size_t)y * stride + 4 * (size_t)x);
    int a = p >> 24;
    for (int k = 0; k < 3; k++) {
        int premultiplied = (p >> (16 - 8 * k)) & 0xff;
        rgb[k] = premultiplied + (255 - a); /* over white */
    }
}

static int
differing_pixels(Image *a, Image *b)
{
    cairo_surface_flush(a->surface);
    cairo_surface_flush(b->surface);
    const unsigned char *da = cairo_image_surface_get_data(a->surface);
    const unsigned char *db = cairo_image_surface_get_data(b->surface);
    int stride = cairo_image_surface_get_stride(a->surface), n = 0;
    for (int y = 0; y < a->height; y++)
        n += memcmp(da + (size_t)y * stride, db + (size_t)y * stride, 4 * (size_t)a->width) != 0;
    return n;
}

/* With $DIGITLAB_DRAW_OUT set, the pictures are kept there to be looked at. */
static void
save_if_asked(Image *im, const char *name)
{
    const char *dir = g_getenv("DIGITLAB_DRAW_OUT");
    if (dir == NULL)
        return;
    g_autofree char *path = g_build_filename(dir, name, NULL);
    assert_int_equal(cairo_surface_write_to_png(im->surface, path), CAIRO_STATUS_SUCCESS);
}

static void
draw_confusion(Image *im, const int confusion[10][10], const DlDrawStyle *style, int row, int col)
{
    cairo_t *cr = cairo_create(im->surface);
    dl_draw_confusion(cr, im->width, im->height, confusion, style, row, col);
    assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    cairo_destroy(cr);
}

/* 100 images per digit, 97 read correctly; digit 4 is read as 9 three times,
 * the others as the next digit. */
static void
sample_confusion(int confusion[10][10])
{
    memset(confusion, 0, sizeof(int[10][10]));
    for (int r = 0; r < 10; r++) {
        confusion[r][r] = 97;
        confusion[r][r == 4 ? 9 : (r + 1) % 10] = 3;
    }
}

/* Where dl_draw_confusion_hit() puts the cells, in whole pixels: the first
 * and last column of pixels of each column of cells, and the same for rows.
 * Found from a coarse search for any cell, then one scan across the whole
 * width and one down the whole height through it (that the cells form a
 * grid of squares is checked by test_hit_cells_form_a_grid). */
typedef struct {
    int x0[10], x1[10], y0[10], y1[10];
} Grid;

static Grid
grid_find(double width, double height, const DlDrawStyle *style)
{
    int r, c, x0 = -1, y0 = -1;
    for (int y = 0; y < height && x0 < 0; y += 4)
        for (int x = 0; x < width; x += 4)
            if (dl_draw_confusion_hit(width, height, style, x + 0.5, y + 0.5, &r, &c)) {
                x0 = x;
                y0 = y;
                break;
            }
    assert_true(x0 >= 0);
    Grid g;
    for (int k = 0; k < 10; k++) {
        g.x0[k] = g.y0[k] = G_MAXINT;
        g.x1[k] = g.y1[k] = -1;
    }
    for (int x = 0; x < width; x++)
        if (dl_draw_confusion_hit(width, height, style, x + 0.5, y0 + 0.5, &r, &c)) {
            g.x0[c] = MIN(g.x0[c], x);
            g.x1[c] = MAX(g.x1[c], x);
        }
    for (int y = 0; y < height; y++)
        if (dl_draw_confusion_hit(width, height, style, x0 + 0.5, y + 0.5, &r, &c)) {
            g.y0[r] = MIN(g.y0[r], y);
            g.y1[r] = MAX(g.y1[r], y);
        }
    for (int k = 0; k < 10; k++) {
        assert_true(g.x1[k] >= g.x0[k] && g.y1[k] >= g.y0[k]);
        /* The corners of the diagonal's cells hit them. */
        assert_true(dl_draw_confusion_hit(width, height, style, g.x0[k] + 0.5, g.y0[k] + 0.5, &r, &c));
        assert_true(r == k && c == k);
        assert_true(dl_draw_confusion_hit(width, height, style, g.x1[k] + 0.5, g.y1[k] + 0.5, &r, &c));
        assert_true(r == k && c == k);
    }
    return g;
}

/* The box of cell (row, col): x0, y0, x1, y1. */
static void
cell_box(const Grid *g, int row, int col, int box[4])
{
    box[0] = g->x0[col];
    box[1] = g->y0[row];
    box[2] = g->x1[col];
    box[3] = g->y1[row];
}

static void
test_hit_cells_form_a_grid(void **state)
{
    (void)state;
    DlDrawStyle style;
    dl_draw_style_init(&style, 12, FALSE, FALSE);
    const double w = 520, h = 360;

    Grid g = grid_find(w, h, &style);
    int first[4], last[4];
    cell_box(&g, 0, 0, first);
    cell_box(&g, 9, 9, last);
    int side = first[2] - first[0] + 1;
    assert_true(side >= 12);
    assert_int_equal(first[3] - first[1] + 1, side); /* square */
    assert_int_equal(last[2] - last[0] + 1, side);
    assert_int_equal(last[0] - first[0], 9 * side); /* ten equal columns */
    assert_int_equal(last[1] - first[1], 9 * side);
    assert_true(last[3] < h && last[2] < w);

    /* Row goes with y, column with x. */
    int r, c;
    assert_true(dl_draw_confusion_hit(w, h, &style, first[0] + 3 * side + 1, first[1] + 7 * side + 1, &r, &c));
    assert_int_equal(r, 7);
    assert_int_equal(c, 3);

    /* Outside: the title, the table on the right, a point past the grid. */
    r = c = 5;
    assert_false(dl_draw_confusion_hit(w, h, &style, 1, 1, &r, &c));
    assert_int_equal(r, -1);
    assert_int_equal(c, -1);
    assert_false(dl_draw_confusion_hit(w, h, &style, last[2] + 2, last[3] - 2, &r, NULL));
    assert_false(dl_draw_confusion_hit(w, h, &style, first[0] - 1, first[1] + 2, NULL, &c));
}

static void
test_cells_drawn_where_hit(void **state)
{
    (void)state;
    int confusion[10][10];
    sample_confusion(confusion);
    for (int dark = 0; dark <= 1; dark++) {
        DlDrawStyle style;
        dl_draw_style_init(&style, 11, dark, FALSE);
        style.paint_background = TRUE;
        Image im = image_new(480, 330);
        draw_confusion(&im, confusion, &style, -1, -1);
        save_if_asked(&im, dark ? "confusion-dark.png" : "confusion-light.png");

        Grid g = grid_find(im.width, im.height, &style);
        int box[4], rgb[3];
        for (int k = 0; k < 10; k++) {
            /* The diagonal: blue (more blue than red); a corner of the cell,
             * away from the number. */
            cell_box(&g, k, k, box);
            pixel(&im, box[0] + 2, box[1] + 2, rgb);
            assert_true(rgb[2] > rgb[0] + 60);
            /* The errors: orange (more red than blue). */
            int wrong = k == 4 ? 9 : (k + 1) % 10;
            cell_box(&g, k, wrong, box);
            pixel(&im, box[0] + 2, box[1] + 2, rgb);
            assert_true(rgb[0] > rgb[2] + 60);
            /* An empty cell: the background. */
            int empty = (k + (k == 4 ? 6 : 5)) % 10;
            cell_box(&g, k, empty, box);
            pixel(&im, box[0] + 2, box[1] + 2, rgb);
            int bg = dark ? 0x24 : 0xff;
            assert_true(abs(rgb[0] - bg) < 8 && abs(rgb[2] - bg) < 8);
        }
        cairo_surface_destroy(im.surface);
    }
}

static void
test_highlight_outlines_the_cell(void **state)
{
    (void)state;
    int confusion[10][10];
    sample_confusion(confusion);
    DlDrawStyle style;
    dl_draw_style_init(&style, 12, FALSE, FALSE);
    Image plain = image_new(500, 340), marked = image_new(500, 340), row = image_new(500, 340);
    draw_confusion(&plain, confusion, &style, -1, -1);
    draw_confusion(&marked, confusion, &style, 4, 9);
    draw_confusion(&row, confusion, &style, 4, -1);

    Grid g = grid_find(500, 340, &style);
    int box[4], rgb[3];
    cell_box(&g, 4, 9, box);
    /* The outline darkens the cell's edge... */
    pixel(&marked, box[0], (box[1] + box[3]) / 2, rgb);
    assert_true(rgb[0] < 100 && rgb[1] < 100 && rgb[2] < 100);
    pixel(&plain, box[0] + 1, (box[1] + box[3]) / 2, rgb);
    assert_true(rgb[1] > 100);
    /* ...and changes nothing far from it. */
    int other[4];
    cell_box(&g, 0, 0, other);
    int a[3], b[3];
    pixel(&plain, other[0] + 1, other[1] + 1, a);
    pixel(&marked, other[0] + 1, other[1] + 1, b);
    assert_memory_equal(a, b, sizeof a);
    /* A whole row differs from a single cell. */
    assert_true(differing_pixels(&row, &marked) > 0);
    assert_true(differing_pixels(&plain, &marked) > 0);

    cairo_surface_destroy(plain.surface);
    cairo_surface_destroy(marked.surface);
    cairo_surface_destroy(row.surface);
}

static void
test_font_size_and_styles(void **state)
{
    (void)state;
    /* Larger text leaves less room for the cells. */
    DlDrawStyle small, large;
    dl_draw_style_init(&small, 10, FALSE, FALSE);
    dl_draw_style_init(&large, 20, FALSE, FALSE);
    Grid g_small = grid_find(640, 420, &small), g_large = grid_find(640, 420, &large);
    int box_small[4], box_large[4];
    cell_box(&g_small, 0, 0, box_small);
    cell_box(&g_large, 0, 0, box_large);
    assert_true(box_large[2] - box_large[0] < box_small[2] - box_small[0]);

    /* High contrast and dark styles, empty and tiny pictures draw cleanly. */
    int zero[10][10] = { { 0 } };
    int confusion[10][10];
    sample_confusion(confusion);
    for (int dark = 0; dark <= 1; dark++) {
        for (int hc = 0; hc <= 1; hc++) {
            DlDrawStyle style;
            dl_draw_style_init(&style, 18, dark, hc);
            Image im = image_new(300, 200), tiny = image_new(40, 30);
            draw_confusion(&im, zero, &style, -1, -1);
            draw_confusion(&im, confusion, &style, 12, -3); /* out of range: no highlight */
            draw_confusion(&tiny, confusion, &style, 0, 0);
            cairo_surface_destroy(im.surface);
            cairo_surface_destroy(tiny.surface);
        }
    }
    DlDrawStyle style;
    dl_draw_style_init(&style, 12, TRUE, TRUE);
    assert_true(style.high_contrast && style.dark);
    assert_true(style.foreground.red > 0.9 && style.background.red < 0.1);
}

/* Counts are grouped by threes from the right (untranslated: commas). */
static void
test_format_count(void **state)
{
    (void)state;
    const struct {
        guint64 n;
        const char *text;
    } cases[] = {
        { 0, "0" }, { 999, "999" }, { 1000, "1,000" }, { 10000, "10,000" }, { 60000, "60,000" },
        { 123456, "123,456" }, { 1234567, "1,234,567" }, { G_MAXUINT64, "18,446,744,073,709,551,615" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = dl_format_count(cases[i].n);
        assert_string_equal(text, cases[i].text);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_cells_form_a_grid),
        cmocka_unit_test(test_cells_drawn_where_hit),
        cmocka_unit_test(test_highlight_outlines_the_cell),
        cmocka_unit_test(test_font_size_and_styles),
        cmocka_unit_test(test_format_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
