/* test-stroke-set.c — the canvas's vector strokes: adding, thinning, undo,
 * clear, and the hand-over to nn_strokes_to_image(). No display needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stroke-set.h"

static void
assert_points_equal(const NnPoint *a, const NnPoint *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_true(a[i].x == b[i].x);
        assert_true(a[i].y == b[i].y);
    }
}

static void
test_new_is_empty(void **state)
{
    g_autoptr(DlStrokeSet) set = dl_stroke_set_new();
    size_t n = 99;

    assert_true(dl_stroke_set_is_empty(set));
    assert_false(dl_stroke_set_is_drawing(set));
    assert_int_equal(dl_stroke_set_get_n_strokes(set), 0);
    assert_int_equal(dl_stroke_set_get_n_points(set), 0);
    assert_null(dl_stroke_set_as_nn_strokes(set, &n));
    assert_int_equal(n, 0);
}

static void
test_add_points_and_end(void **state)
{
    g_autoptr(DlStrokeSet) set = dl_stroke_set_new();
    size_t n;

    assert_true(dl_stroke_set_add_point(set, 1, 2));
    assert_true(dl_stroke_set_is_drawing(set));
    assert_false(dl_stroke_set_is_empty(set));
    assert_true(dl_stroke_set_add_point(set, 3, 4));
    assert_false(dl_stroke_set_add_point(set, 3, 4)); /* the same point again */
    assert_true(dl_stroke_set_add_point(set, 5, 6));
    dl_stroke_set_end_stroke(set);
    assert_false(dl_stroke_set_is_drawing(set));
    dl_stroke_set_end_stroke(set); /* harmless */

    /* The next point starts a second stroke. */
    assert_true(dl_stroke_set_add_point(set, 10, 10));
    dl_stroke_set_end_stroke(set);

    assert_int_equal(dl_stroke_set_get_n_strokes(set), 2);
    assert_int_equal(dl_stroke_set_get_n_points(set), 4);
    const NnPoint *p = dl_stroke_set_get_stroke(set, 0, &n);
    const NnPoint first[] = { { 1, 2 }, { 3, 4 }, { 5, 6 } };
    assert_int_equal(n, 3);
    assert_points_equal(p, first, 3);
    p = dl_stroke_set_get_stroke(set, 1, &n);
    assert_int_equal(n, 1); /* a dot */
    assert_true(p[0].x == 10 && p[0].y == 10);
}

static void
test_conversion_matches_added(void **state)
{
    g_autoptr(DlStrokeSet) set = dl_stroke_set_new();
    const NnPoint a[] = { { 0.5f, 1.5f }, { 2.25f, -3 }, { 100, 200 }, { 100, 201 } };
    const NnPoint b[] = { { 7, 7 } };
    const NnPoint c[] = { { -1, -1 }, { 1e4f, 3e3f } };
    size_t n_strokes;

    dl_stroke_set_add_stroke(set, a, G_N_ELEMENTS(a));
    dl_stroke_set_add_stroke(set, b, G_N_ELEMENTS(b));
    dl_stroke_set_add_stroke(set, c, 0); /* adds nothing */
    dl_stroke_set_add_stroke(set, c, G_N_ELEMENTS(c));

    const NnStroke *strokes = dl_stroke_set_as_nn_strokes(set, &n_strokes);
    assert_non_null(strokes);
    assert_int_equal(n_strokes, 3);
    assert_int_equal(strokes[0].n_points, G_N_ELEMENTS(a));
    assert_points_equal(strokes[0].points, a, G_N_ELEMENTS(a));
    assert_int_equal(strokes[1].n_points, G_N_ELEMENTS(b));
    assert_points_equal(strokes[1].points, b, G_N_ELEMENTS(b));
    assert_int_equal(strokes[2].n_points, G_N_ELEMENTS(c));
    assert_points_equal(strokes[2].points, c, G_N_ELEMENTS(c));

    /* The engine accepts it. */
    float image[NN_IMAGE_PIXELS];
    NnError err;
    assert_int_equal(nn_strokes_to_image(strokes, n_strokes, image, &err), NN_OK);
}

static void
test_points_added_one_by_one_convert_the_same(void **state)
{
    g_autoptr(DlStrokeSet) by_point = dl_stroke_set_new();
    g_autoptr(DlStrokeSet) by_stroke = dl_stroke_set_new();
    NnPoint zigzag[50];

    for (int i = 0; i < 50; i++)
        zigzag[i] = (NnPoint){ 10.0f + 3.0f * i, i % 2 ? 40.0f : 60.0f };
    for (int i = 0; i < 50; i++)
        dl_stroke_set_add_point(by_point, zigzag[i].x, zigzag[i].y);
    dl_stroke_set_end_stroke(by_point);
    dl_stroke_set_add_stroke(by_stroke, zigzag, 50);

    float image_a[NN_IMAGE_PIXELS], image_b[NN_IMAGE_PIXELS];
    size_t n_a, n_b;
    const NnStroke *a = dl_stroke_set_as_nn_strokes(by_point, &n_a);
    const NnStroke *b = dl_stroke_set_as_nn_strokes(by_stroke, &n_b);
    assert_int_equal(n_a, 1);
    assert_int_equal(n_b, 1);
    assert_int_equal(a[0].n_points, 50);
    assert_points_equal(a[0].points, zigzag, 50);
    assert_int_equal(nn_strokes_to_image(a, n_a, image_a, NULL), NN_OK);
    assert_int_equal(nn_strokes_to_image(b, n_b, image_b, NULL), NN_OK);
    assert_memory_equal(image_a, image_b, sizeof image_a);
}

static void
test_add_stroke_closes_open_stroke(void **state)
{
    g_autoptr(DlStrokeSet) set = dl_stroke_set_new();
    const NnPoint s[] = { { 5, 5 }, { 6, 6 } };
    size_t n;

    dl_stroke_set_add_point(set, 1, 1);
    dl_stroke_set_add_stroke(set, s, 2);
    assert_false(dl_stroke_set_is_drawing(set));
    dl_stroke_set_add_point(set, 9, 9); /* a third stroke, not part of s */
    assert_int_equal(dl_stroke_set_get_n_strokes(set), 3);
    dl_stroke_set_get_stroke(set, 1, &n);
    assert_int_equal(n, 2);

    dl_stroke_set_add_point(set, 10, 10);
    dl_stroke_set_add_stroke(set, s, 0); /* nothing added, but the stroke ends */
    assert_false(dl_stroke_set_is_drawing(set));
    assert_int_equal(dl_stroke_set_get_n_strokes(set), 3);
}

static void
test_undo(void **state)
{
    g_autoptr(DlStrokeSet) set = dl_stroke_set_new();
    const NnPoint a[] = { { 0, 0 }, { 10, 0 } };
    const NnPoint b[] = { { 0, 5 }, { 10, 5 }, { 10, 9 } };
    size_t n;

    assert_false(dl_stroke_set_undo(set)); /* nothing to undo: harmless */
    assert_true(dl_stroke_set_is_empty(set));

    dl_stroke_set_add_stroke(set, a, 2);
    dl_stroke_set_add_stroke(set, b, 3);
    assert_true(dl_stroke_set_undo(set));
    assert_int_equal(dl_stroke_set_get_n_strokes(set), 1);
    assert_int_equal(dl_stroke_set_get_n_points(set), 2);
    const NnStroke *strokes = dl_stroke_set_as_nn_strokes(set, &n);
    assert_int_equal(n, 1);
    assert_points_equal(strokes[0].points, a, 2);

    /* Undo during a stroke drops the open stroke; the next point starts a
     * new one. */
    dl_stroke_set_add_point(set, 50, 50);
    dl_stroke_set_add_point(set, 60, 60);
    assert_true(dl_stroke_set_undo(set));
    assert_false(dl_stroke_set_is_drawing(set));
    assert_int_equal(dl_stroke_set_get_n_strokes(set), 1);
    dl_stroke_set_add_point(set, 70, 70);
    assert_int_equal(dl_stroke_set_get_n_strokes(set), 2);
    dl_stroke_set_get_stroke(set, 1, &n);
    assert_int_equal(n, 1);

    assert_true(dl_stroke_set_undo(set));
    assert_true(dl_stroke_set_undo(set));
    assert_true(dl_stroke_set_is_empty(set));
    assert_false(dl_stroke_set_undo(set));
    assert_false(dl_stroke_set_undo(set));
    assert_int_equal(dl_stroke_set_get_n_points(set), 0);
}

static void
test_clear(void **state)
{
    g_autoptr(DlStrokeSet) set = dl_stroke_set_new();
    const NnPoint a[] = { { 0, 0 }, { 10, 0 } };
    size_t n;

    dl_stroke_set_clear(set); /* clearing nothing */
    dl_stroke_set_add_stroke(set, a, 2);
    dl_stroke_set_add_point(set, 3, 3);
    dl_stroke_set_clear(set);
    assert_true(dl_stroke_set_is_empty(set));
    assert_false(dl_stroke_set_is_drawing(set));
    assert_int_equal(dl_stroke_set_get_n_points(set), 0);
    assert_null(dl_stroke_set_as_nn_strokes(set, &n));
    assert_int_equal(n, 0);

    float image[NN_IMAGE_PIXELS];
    NnError err;
    assert_int_equal(nn_strokes_to_image(NULL, 0, image, &err), NN_ERR_EMPTY);

    dl_stroke_set_add_stroke(set, a, 2); /* usable again */
    assert_int_equal(dl_stroke_set_get_n_strokes(set), 1);
}

static void
test_thinning(void **state)
{
    g_autoptr(DlStrokeSet) set = dl_stroke_set_new();
    size_t n;

    dl_stroke_set_set_min_distance(set, 2.0f);
    assert_true(dl_stroke_set_get_min_distance(set) == 2.0f);

    /* Forty points 0.25 apart along x, from 0 to 9.75. */
    for (int i = 0; i < 40; i++)
        assert_true(dl_stroke_set_add_point(set, 0.25f * i, 0.0f));
    const NnPoint *p = dl_stroke_set_get_stroke(set, 0, &n);

    /* Far fewer points, about 2 apart, and the stroke ends where the pen is. */
    assert_in_range(n, 5, 7);
    assert_true(p[0].x == 0.0f);
    assert_true(p[n - 1].x == 9.75f);
    for (size_t i = 1; i + 1 < n; i++)
        assert_true(p[i].x - p[i - 1].x >= 2.0f);

    /* add_stroke keeps everything, whatever the minimum distance. */
    NnPoint dense[40];
    for (int i = 0; i < 40; i++)
        dense[i] = (NnPoint){ 0.25f * i, 1.0f };
    dl_stroke_set_add_stroke(set, dense, 40);
    p = dl_stroke_set_get_stroke(set, 1, &n);
    assert_int_equal(n, 40);
    assert_points_equal(p, dense, 40);
}

static void
test_copy_is_deep(void **state)
{
    g_autoptr(DlStrokeSet) set = dl_stroke_set_new();
    const NnPoint a[] = { { 0, 0 }, { 10, 0 } };
    size_t n;

    dl_stroke_set_set_min_distance(set, 1.5f);
    dl_stroke_set_add_stroke(set, a, 2);
    dl_stroke_set_add_point(set, 4, 4);

    g_autoptr(DlStrokeSet) copy = dl_stroke_set_copy(set);
    dl_stroke_set_clear(set);
    assert_int_equal(dl_stroke_set_get_n_strokes(copy), 2);
    assert_true(dl_stroke_set_is_drawing(copy));
    assert_true(dl_stroke_set_get_min_distance(copy) == 1.5f);
    const NnPoint *p = dl_stroke_set_get_stroke(copy, 0, &n);
    assert_int_equal(n, 2);
    assert_points_equal(p, a, 2);
}

/* Many strokes: counts and conversion stay right as the arrays grow, and
 * undoing everything leaves an empty set (leaks show under valgrind/ASan). */
static void
test_many_strokes(void **state)
{
    enum { N_STROKES = 20000, N_POINTS = 25 };
    g_autoptr(DlStrokeSet) set = dl_stroke_set_new();
    size_t n_strokes;

    for (int s = 0; s < N_STROKES; s++) {
        if (s % 2 == 0) {
            for (int i = 0; i < N_POINTS; i++)
                dl_stroke_set_add_point(set, (float)s, (float)i);
            dl_stroke_set_end_stroke(set);
        } else {
            NnPoint points[N_POINTS];
            for (int i = 0; i < N_POINTS; i++)
                points[i] = (NnPoint){ (float)s, (float)i };
            dl_stroke_set_add_stroke(set, points, N_POINTS);
        }
    }
    assert_int_equal(dl_stroke_set_get_n_strokes(set), N_STROKES);
    assert_int_equal(dl_stroke_set_get_n_points(set), (size_t)N_STROKES * N_POINTS);

    const NnStroke *strokes = dl_stroke_set_as_nn_strokes(set, &n_strokes);
    assert_int_equal(n_strokes, N_STROKES);
    for (int s = 0; s < N_STROKES; s++) {
        assert_int_equal(strokes[s].n_points, N_POINTS);
        assert_true(strokes[s].points[0].x == (float)s);
        assert_true(strokes[s].points[N_POINTS - 1].y == (float)(N_POINTS - 1));
    }

    for (int s = 0; s < N_STROKES / 2; s++)
        assert_true(dl_stroke_set_undo(set));
    assert_int_equal(dl_stroke_set_get_n_points(set), (size_t)N_STROKES / 2 * N_POINTS);
    while (dl_stroke_set_undo(set))
        ;
    assert_true(dl_stroke_set_is_empty(set));
    assert_int_equal(dl_stroke_set_get_n_points(set), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_is_empty),
        cmocka_unit_test(test_add_points_and_end),
        cmocka_unit_test(test_conversion_matches_added),
        cmocka_unit_test(test_points_added_one_by_one_convert_the_same),
        cmocka_unit_test(test_add_stroke_closes_open_stroke),
        cmocka_unit_test(test_undo),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_thinning),
        cmocka_unit_test(test_copy_is_deep),
        cmocka_unit_test(test_many_strokes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
