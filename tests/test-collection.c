/* test-collection.c — the class's drawings (src/app/dl-collection.c) and
 * their file: saved as JSON Lines, read back, corrupt lines skipped but
 * never deleted, duplicates found on import, and a full disk (a file-size
 * limit, RLIMIT_FSIZE) that loses nothing already saved. No display. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "dl-collection.h"

typedef struct {
    char *folder;
    char *path;
} Fixture;

static int
setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    f->folder = g_dir_make_tmp("test-collection-XXXXXX", NULL);
    assert_non_null(f->folder);
    /* in a folder that does not exist yet: the collection makes it */
    f->path = g_build_filename(f->folder, "digitlab", "drawings.jsonl", NULL);
    *state = f;
    return 0;
}

static void
remove_tree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    if (dir == NULL) {
        g_remove(path);
        return;
    }
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        remove_tree(child);
    }
    g_dir_close(dir);
    g_rmdir(path);
}

static int
teardown(void **state)
{
    Fixture *f = *state;
    remove_tree(f->folder);
    g_free(f->folder);
    g_free(f->path);
    g_free(f);
    return 0;
}

/* A drawing of one stroke: a slanted line, different for every n. */
static void
make_drawing(DlDrawing *drawing, int n, int label)
{
    NnPoint points[] = { { 100.0f + n, 60.0f }, { 140.0f, 120.0f + 0.5f * n }, { 130.0f - n, 220.0f } };
    NnStroke stroke = { points, G_N_ELEMENTS(points) };

    *drawing = (DlDrawing)DL_DRAWING_INIT;
    dl_drawing_set_strokes(drawing, &stroke, 1);
    drawing->label = label;
}

static DlDrawingItem *
add(DlCollection *collection, int n, int label, const char *student)
{
    DlDrawing drawing;
    g_autoptr(GError) error = NULL;

    make_drawing(&drawing, n, label);
    drawing.student = g_strdup(student);
    DlDrawingItem *item = dl_collection_add(collection, &drawing, &error);
    dl_drawing_clear(&drawing);
    if (item == NULL)
        fail_msg("%s", error->message);
    return item;
}

static char *
read_file(const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GFile) file = g_file_new_for_path(path);
    g_autoptr(GBytes) bytes = g_file_load_bytes(file, NULL, NULL, &error);
    if (bytes == NULL)
        fail_msg("cannot read %s: %s", path, error->message);
    gsize size;
    const char *data = g_bytes_get_data(bytes, &size);
    return g_strndup(data, size);
}

static void
write_file(const char *path, const char *text)
{
    g_autofree char *folder = g_path_get_dirname(path);
    g_mkdir_with_parents(folder, 0755);
    assert_true(g_file_set_contents(path, text, -1, NULL));
}

static DlDrawingItem *
item_at(DlCollection *collection, guint position)
{
    DlDrawingItem *item = g_list_model_get_item(G_LIST_MODEL(collection), position);
    g_object_unref(item); /* the collection holds it */
    return item;
}

/* ---- saving and reading back ---- */

static void
test_add_and_load(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlCollection) collection = dl_collection_new(f->path);

    assert_true(dl_collection_load(collection, NULL)); /* no file yet: empty */
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(collection)), 0);
    add(collection, 1, 7, "Ana");
    add(collection, 2, 1, NULL);
    /* the student drawing now, unless the drawing names one */
    dl_collection_set_student(collection, "  Ben \"B\" Ørsted ");
    assert_string_equal(dl_collection_get_student(collection), "  Ben \"B\" Ørsted ");
    add(collection, 3, 7, NULL);
    add(collection, 4, 3, "Cem");
    dl_collection_set_student(collection, " ");
    add(collection, 5, 2, NULL);
    dl_collection_set_student(collection, "");
    assert_null(dl_collection_get_student(collection));

    /* One line each, fsynced as they were added. */
    g_autofree char *text = read_file(f->path);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    assert_int_equal(g_strv_length(lines), 6);
    assert_string_equal(lines[5], "");
    assert_non_null(strstr(lines[0], "\"label\":7"));
    assert_non_null(strstr(lines[0], "\"student\":\"Ana\""));
    assert_non_null(strstr(lines[0], "\"time\":\"20"));
    assert_null(strstr(lines[1], "student"));

    /* Read back by another collection: the same drawings, labels, students. */
    g_autoptr(DlCollection) again = dl_collection_new(f->path);
    assert_true(dl_collection_load(again, NULL));
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(again)), 5);
    assert_null(dl_collection_get_problems(again)[0]);
    for (guint i = 0; i < 5; i++) {
        DlDrawingItem *a = item_at(collection, i), *b = item_at(again, i);
        assert_int_equal(dl_drawing_item_get_label(a), dl_drawing_item_get_label(b));
        assert_string_equal(dl_drawing_item_get_time(a), dl_drawing_item_get_time(b));
        assert_memory_equal(dl_drawing_item_get_pixels(a), dl_drawing_item_get_pixels(b), NN_IMAGE_PIXELS);
        /* the same strokes: found as the same drawing */
        assert_ptr_equal(dl_collection_find(again, dl_drawing_item_get_drawing(a)), b);
    }
    assert_string_equal(dl_drawing_item_get_student(item_at(again, 2)), "Ben \"B\" Ørsted");
    assert_string_equal(dl_drawing_item_get_student(item_at(again, 3)), "Cem");
    assert_null(dl_drawing_item_get_student(item_at(again, 1)));
    assert_null(dl_drawing_item_get_student(item_at(again, 4)));
    guint counts[NN_CLASSES];
    dl_collection_count_labels(again, counts);
    assert_int_equal(counts[7], 2);
    assert_int_equal(counts[1], 1);

    /* What the network sees: nn_strokes_to_image of the strokes. */
    float image[NN_IMAGE_PIXELS];
    const DlDrawing *drawing = dl_drawing_item_get_drawing(item_at(again, 0));
    assert_int_equal(nn_strokes_to_image(drawing->strokes, drawing->n_strokes, image, NULL), NN_OK);
    int ink = 0;
    for (int i = 0; i < NN_IMAGE_PIXELS; i++) {
        assert_true(abs((int)dl_drawing_item_get_pixels(item_at(again, 0))[i] - (int)(255.0f * image[i] + 0.5f)) <= 1);
        ink += image[i] > 0.5f;
    }
    assert_true(ink > 10);
}

static void
test_refuses_what_is_no_labelled_drawing(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlCollection) collection = dl_collection_new(f->path);
    g_autoptr(GError) error = NULL;
    DlDrawing drawing;

    assert_true(dl_collection_load(collection, NULL));
    make_drawing(&drawing, 1, -1);
    assert_null(dl_collection_add(collection, &drawing, &error));
    assert_true(g_error_matches(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_INVALID));
    g_clear_error(&error);
    dl_drawing_set_strokes(&drawing, NULL, 0);
    drawing.label = 3;
    assert_null(dl_collection_add(collection, &drawing, &error));
    assert_true(g_error_matches(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_INVALID));
    dl_drawing_clear(&drawing);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(collection)), 0);
    assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
}

static void
on_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    if (!dl_collection_load_finish(DL_COLLECTION(source), result, &error))
        fail_msg("%s", error->message);
    g_main_loop_quit(user_data);
}

static void
test_load_async(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlCollection) collection = dl_collection_new(f->path);
    for (int i = 0; i < 30; i++)
        add(collection, i, i % 10, NULL);

    g_autoptr(DlCollection) again = dl_collection_new(f->path);
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    assert_false(dl_collection_get_loaded(again));
    dl_collection_load_async(again, NULL, on_loaded, loop);
    g_main_loop_run(loop);
    assert_true(dl_collection_get_loaded(again));
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(again)), 30);
    assert_int_equal(dl_drawing_item_get_label(item_at(again, 13)), 3);

    /* The drawings as a test set, all or some. */
    g_autoptr(DlTestSet) all = dl_collection_make_test_set(again, NULL, 0);
    assert_int_equal(dl_test_set_get_count(all), 30);
    assert_int_equal(dl_test_set_get_label(all, 13), 3);
    assert_memory_equal(dl_test_set_get_pixels(all, 13), dl_drawing_item_get_pixels(item_at(again, 13)),
                        NN_IMAGE_PIXELS);
    const guint some[] = { 4, 9 };
    g_autoptr(DlTestSet) two = dl_collection_make_test_set(again, some, 2);
    assert_int_equal(dl_test_set_get_count(two), 2);
    assert_int_equal(dl_test_set_get_label(two, 1), 9);
}

/* ---- corrupt files ---- */

/* Three drawings and, between them, lines that are none: the same lines
 * are in the file after every rewrite, in their places. */
static void
test_corrupt_lines_kept(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlCollection) writer = dl_collection_new(f->path);
    add(writer, 1, 4, NULL);
    add(writer, 2, 5, NULL);
    add(writer, 3, 6, NULL);
    g_autofree char *good = read_file(f->path);
    g_auto(GStrv) lines = g_strsplit(good, "\n", -1);
    const char *garbage = "{\"strokes\": [[[1, 2], [3,";      /* cut short */
    const char *no_label = "{\"strokes\": [[[10, 20], [30, 40]]]}";
    const char *not_json = "\x01\xff not json at all";
    g_autofree char *text = g_strdup_printf("%s\n%s\n%s\n\n%s\n%s\n%s", lines[0], garbage, lines[1], no_label,
                                            lines[2], not_json); /* and no newline at the end */
    write_file(f->path, text);

    g_autoptr(DlCollection) collection = dl_collection_new(f->path);
    assert_true(dl_collection_load(collection, NULL));
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(collection)), 3);
    const char *const *problems = dl_collection_get_problems(collection);
    assert_int_equal(g_strv_length((char **)problems), 3);
    printf("# %s\n# %s\n# %s\n", problems[0], problems[1], problems[2]);
    assert_true(g_str_has_prefix(problems[0], "Line 2: "));
    assert_true(g_str_has_prefix(problems[1], "Line 5: "));
    assert_non_null(strstr(problems[1], "no digit label"));
    assert_true(g_str_has_prefix(problems[2], "Line 7: "));
    assert_int_equal(dl_collection_get_n_kept_lines(collection), 3);

    /* A relabel rewrites the file: the three bad lines stay, in order. */
    assert_non_null(dl_collection_relabel(collection, item_at(collection, 1), 8, NULL));
    g_autofree char *after = read_file(f->path);
    const char *a = strstr(after, garbage), *b = strstr(after, no_label), *c = strstr(after, not_json);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    ptrdiff_t ia = a - after, ib = b - after, ic = c - after;
    assert_true(ia < ib && ib < ic);
    assert_non_null(strstr(after, "\"label\":8"));

    /* Deleting the drawings around them keeps them too. */
    for (int i = 2; i >= 0; i--)
        assert_true(dl_collection_remove(collection, item_at(collection, (guint)i), NULL, NULL));
    g_autofree char *emptied = read_file(f->path);
    assert_non_null(strstr(emptied, garbage));
    assert_non_null(strstr(emptied, no_label));
    assert_non_null(strstr(emptied, not_json));
    assert_null(strstr(emptied, "\"label\":4"));
    assert_int_equal(dl_collection_get_n_kept_lines(collection), 3);

    /* An added drawing after the last line that has no newline: on a line
     * of its own, and it reads back. */
    add(collection, 9, 2, NULL);
    g_autoptr(DlCollection) again = dl_collection_new(f->path);
    dl_collection_load(again, NULL);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(again)), 1);
    assert_int_equal(dl_drawing_item_get_label(item_at(again, 0)), 2);
    assert_int_equal(dl_collection_get_n_kept_lines(again), 3);
}

static void
test_unreadable_file_left_alone(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    /* A folder where the file should be: it is never replaced. */
    g_mkdir_with_parents(f->path, 0755);
    g_autoptr(DlCollection) collection = dl_collection_new(f->path);
    assert_false(dl_collection_load(collection, &error));
    assert_true(g_error_matches(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_UNREADABLE));
    printf("# %s\n", error->message);
    g_clear_error(&error);

    DlDrawing drawing;
    make_drawing(&drawing, 1, 3);
    assert_null(dl_collection_add(collection, &drawing, &error));
    dl_drawing_clear(&drawing);
    assert_true(g_error_matches(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_UNREADABLE));
    assert_true(g_file_test(f->path, G_FILE_TEST_IS_DIR));
}

/* ---- a full disk ---- */

static struct rlimit saved_limit;
static gboolean limited;

/* Files may not grow past size bytes from now on (writes fail with EFBIG,
 * as they would with ENOSPC on a full disk). */
static void
limit_file_size(off_t size)
{
    signal(SIGXFSZ, SIG_IGN);
    if (!limited)
        getrlimit(RLIMIT_FSIZE, &saved_limit);
    limited = TRUE;
    struct rlimit limit = { (rlim_t)size, saved_limit.rlim_max };
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
}

static void
unlimit_file_size(void)
{
    setrlimit(RLIMIT_FSIZE, &saved_limit);
    limited = FALSE;
}

static void
test_full_disk_loses_nothing(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlCollection) collection = dl_collection_new(f->path);
    g_autoptr(GError) error = NULL;

    assert_true(dl_collection_load(collection, NULL));
    for (int i = 0; i < 5; i++)
        add(collection, i, i, "Ana");
    g_autofree char *before = read_file(f->path);
    size_t size = strlen(before);

    /* Room for part of a line: the append fails and is cut back. */
    limit_file_size((off_t)size + 20);
    DlDrawing drawing;
    make_drawing(&drawing, 42, 9);
    assert_null(dl_collection_add(collection, &drawing, &error));
    dl_drawing_clear(&drawing);
    assert_true(g_error_matches(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_WRITE));
    printf("# %s\n", error->message);
    g_clear_error(&error);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(collection)), 5);

    /* A relabel or a delete needs a new file as large as the old one. */
    limit_file_size((off_t)size / 2);
    DlDrawingItem *third = item_at(collection, 2);
    assert_null(dl_collection_relabel(collection, third, 8, &error));
    assert_true(g_error_matches(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_WRITE));
    g_clear_error(&error);
    assert_false(dl_collection_remove(collection, third, NULL, &error));
    assert_true(g_error_matches(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_WRITE));
    g_clear_error(&error);
    unlimit_file_size();

    g_autofree char *after = read_file(f->path);
    assert_string_equal(before, after);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(collection)), 5);
    assert_int_equal(dl_drawing_item_get_label(item_at(collection, 2)), 2);
    /* No temporary file left beside it. */
    g_autofree char *folder = g_path_get_dirname(f->path);
    GDir *dir = g_dir_open(folder, 0, NULL);
    int files = 0;
    while (g_dir_read_name(dir) != NULL)
        files++;
    g_dir_close(dir);
    assert_int_equal(files, 1);

    /* With room again, the same work succeeds. */
    assert_non_null(dl_collection_relabel(collection, third, 8, NULL));
    guint position = 99;
    assert_true(dl_collection_remove(collection, item_at(collection, 0), &position, NULL));
    assert_int_equal(position, 0);
}

/* ---- undo ---- */

static void
test_remove_and_undo(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlCollection) collection = dl_collection_new(f->path);
    assert_true(dl_collection_load(collection, NULL));
    for (int i = 0; i < 4; i++)
        add(collection, i, i, NULL);
    g_autofree char *before = read_file(f->path);

    g_autoptr(DlDrawingItem) second = g_object_ref(item_at(collection, 1));
    guint position;
    assert_true(dl_collection_remove(collection, second, &position, NULL));
    assert_int_equal(position, 1);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(collection)), 3);
    assert_null(dl_collection_find(collection, dl_drawing_item_get_drawing(second)));
    assert_int_equal(dl_collection_get_position(collection, second), -1);

    assert_true(dl_collection_insert(collection, position, second, NULL));
    g_autofree char *after = read_file(f->path);
    assert_string_equal(before, after);
    assert_ptr_equal(dl_collection_find(collection, dl_drawing_item_get_drawing(second)), second);

    /* A relabel, then back. */
    DlDrawingItem *relabelled = dl_collection_relabel(collection, second, 6, NULL);
    assert_int_equal(dl_drawing_item_get_label(relabelled), 6);
    assert_int_equal(dl_collection_get_position(collection, second), -1);
    assert_int_equal(dl_collection_get_position(collection, relabelled), 1);
    assert_non_null(dl_collection_relabel(collection, relabelled, 1, NULL));
    g_autofree char *back = read_file(f->path);
    assert_string_equal(before, back);
}

/* ---- imports and exports ---- */

static void
on_imported(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_task_return_pointer(user_data, g_object_ref(result), g_object_unref);
}

/* Imports path and waits; FALSE with error on failure. */
static gboolean
import(DlCollection *collection, const char *path, DlImportReport *report, GError **error)
{
    g_autoptr(GFile) file = g_file_new_for_path(path);
    g_autoptr(GTask) wait = g_task_new(NULL, NULL, NULL, NULL);
    dl_collection_import_async(collection, file, NULL, on_imported, wait);
    while (!g_task_get_completed(wait))
        g_main_context_iteration(NULL, TRUE);
    g_autoptr(GAsyncResult) result = g_task_propagate_pointer(wait, NULL);
    return dl_collection_import_finish(collection, result, report, error);
}

static void
test_import_export(void **state)
{
    Fixture *f = *state;
    g_autoptr(DlCollection) collection = dl_collection_new(f->path);
    assert_true(dl_collection_load(collection, NULL));
    for (int i = 0; i < 6; i++)
        add(collection, i, i, i % 2 ? "Ana" : NULL);

    /* Export, then import the export: every drawing is a duplicate. */
    g_autofree char *exported = g_build_filename(f->folder, "export.jsonl", NULL);
    assert_true(dl_collection_export(collection, exported, NULL));
    DlImportReport report;
    assert_true(import(collection, exported, &report, NULL));
    assert_int_equal(report.added, 0);
    assert_int_equal(report.duplicates, 6);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(collection)), 6);
    dl_import_report_clear(&report);

    /* Another laptop's file: two new drawings (one of them twice), one of
     * ours, one unlabelled, two bad lines. */
    g_autofree char *laptop_path = g_build_filename(f->folder, "laptop.jsonl", NULL);
    g_autoptr(DlCollection) laptop = dl_collection_new(laptop_path);
    add(laptop, 100, 3, "Cem");
    add(laptop, 101, 8, "Cem");
    add(laptop, 2, 2, NULL);
    g_autofree char *laptop_text = read_file(dl_collection_get_path(laptop));
    g_auto(GStrv) lines = g_strsplit(laptop_text, "\n", -1);
    g_autofree char *mixed = g_strdup_printf("%s\n%s\n[1, 2\n%s\n{\"strokes\": [[[1, 1], [2, 2]]]}\n%s\n"
                                             "{\"strokes\": 5, \"label\": 1}\n",
                                             lines[0], lines[1], lines[2], lines[0]);
    g_autofree char *other = g_build_filename(f->folder, "other.jsonl", NULL);
    write_file(other, mixed);
    assert_true(import(collection, other, &report, NULL));
    printf("# import: %u added, %u duplicates, %u unlabelled, %u bad; %s\n", report.added, report.duplicates,
           report.unlabelled, report.bad_lines, report.first_problem);
    assert_int_equal(report.added, 2);
    assert_int_equal(report.duplicates, 2);
    assert_int_equal(report.unlabelled, 1);
    assert_int_equal(report.bad_lines, 2);
    assert_true(g_str_has_prefix(report.first_problem, "line 3: "));
    dl_import_report_clear(&report);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(collection)), 8);
    assert_string_equal(dl_drawing_item_get_student(item_at(collection, 7)), "Cem");

    /* In the file too. */
    g_autoptr(DlCollection) again = dl_collection_new(f->path);
    dl_collection_load(again, NULL);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(again)), 8);
    assert_int_equal(dl_drawing_item_get_label(item_at(again, 6)), 3);

    /* A file that is not there: an error, nothing changed. */
    g_autoptr(GError) error = NULL;
    assert_false(import(collection, "/nonexistent/drawings.jsonl", &report, &error));
    assert_non_null(error);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(collection)), 8);

    /* A full disk during an import: none of it is added. */
    g_clear_error(&error);
    g_autofree char *third_path = g_build_filename(f->folder, "third.jsonl", NULL);
    g_autoptr(DlCollection) third = dl_collection_new(third_path);
    for (int i = 0; i < 3; i++)
        add(third, 200 + i, 5, NULL);
    g_autofree char *before = read_file(f->path);
    limit_file_size((off_t)strlen(before) + 100);
    assert_false(import(collection, dl_collection_get_path(third), &report, &error));
    unlimit_file_size();
    assert_true(g_error_matches(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_WRITE));
    assert_int_equal(report.added, 0);
    g_autofree char *after = read_file(f->path);
    assert_string_equal(before, after);
    assert_int_equal(g_list_model_get_n_items(G_LIST_MODEL(collection)), 8);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_and_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_what_is_no_labelled_drawing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_async, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_lines_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_file_left_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_and_undo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_export, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
