/* test-plot-cli.c — `digitlab-cli plot` and `digitlab-cli report` end to end.
 *
 * Runs the program named by $DIGITLAB_CLI on history CSVs and a model made
 * here. Checks that the files written are what their names say (a PNG of
 * the size asked for, SVG that parses as XML, a PDF of exactly one page),
 * and that bad input (a missing or corrupt CSV, an unknown extension, a
 * path that cannot be written) gives a message and a non-zero exit status
 * and leaves no file, partial or temporary, behind. The report's case with
 * MNIST needs it ($DIGITLAB_DATA or ../shared/data/mnist) and is left out,
 * saying so, without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test-cli.h"
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "model.h"
#include "test-mnist.h"

static char *tmp_dir;

#define CSV_HEADER "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n"

static char *
tmp_path(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

static char *
write_tmp(const char *name, const char *text)
{
    char *path = tmp_path(name);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

/* Runs digitlab-cli ARGS... (NULL-terminated); returns the exit status. */
static int
run_cli(char **err, ...)
{
    va_list ap;
    va_start(ap, err);
    int status = test_cli_runv(NULL, NULL, err, ap);
    va_end(ap);
    return status;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in tmp_dir, sorted and joined by spaces. */
static char *
listing(void)
{
    g_autoptr(GDir) dir = g_dir_open(tmp_dir, 0, NULL);
    assert_non_null(dir);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

static void
remove_tmp_file(const char *name)
{
    g_autofree char *path = tmp_path(name);
    g_remove(path);
}

/* A 6-epoch history as train --history writes it. */
static char *
history_csv(void)
{
    return write_tmp("h.csv", CSV_HEADER
                     "1,1e-05,2.4172,0.2157,1.7738,0.3077,33.6,1800.0\n"
                     "2,0.000208,0.725,0.7734,0.0997,0.9732,33.5,1810.0\n"
                     "3,0.000406,0.2727,0.9248,0.0821,0.9748,33.7,1790.5\n"
                     "4,0.000604,0.16,0.955,0.06,0.98,33.6,1800.0\n"
                     "5,0.000802,0.1169,0.9665,0.048,0.9849,33.6,1800.0\n"
                     "6,0.001,0.0968,0.9716,0.0247,0.9921,33.6,1800.0\n");
}

/* ---- what the files are ---- */

static guint32
be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static void
assert_png(const char *path, guint32 width, guint32 height)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    assert_true(len > 33);
    static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    assert_memory_equal(data, signature, 8);
    assert_memory_equal(data + 12, "IHDR", 4);
    assert_int_equal(be32((const guint8 *)data + 16), width);
    assert_int_equal(be32((const guint8 *)data + 20), height);
    assert_memory_equal(data + len - 8, "IEND", 4);
}

typedef struct {
    char *root;
    char *width;
    int elements;
} SvgSeen;

static void
svg_start(GMarkupParseContext *context, const char *element, const char **names, const char **values,
          gpointer user_data, GError **error)
{
    (void)context;
    (void)error;
    SvgSeen *seen = user_data;
    if (seen->elements++ == 0) {
        seen->root = g_strdup(element);
        for (int i = 0; names[i] != NULL; i++)
            if (strcmp(names[i], "width") == 0)
                seen->width = g_strdup(values[i]);
    }
}

/* The file parses as XML, whole, with an <svg> root of that width. */
static void
assert_svg(const char *path, const char *width)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    SvgSeen seen = { 0 };
    GMarkupParser parser = { .start_element = svg_start };
    GMarkupParseContext *context = g_markup_parse_context_new(&parser, 0, &seen, NULL);
    g_autoptr(GError) error = NULL;
    gboolean ok = g_markup_parse_context_parse(context, data, (gssize)len, &error)
                  && g_markup_parse_context_end_parse(context, &error);
    g_markup_parse_context_free(context);
    if (!ok)
        fail_msg("%s is not well-formed XML: %s", path, error->message);
    assert_string_equal(seen.root, "svg");
    assert_non_null(seen.width);
    assert_true(g_str_has_prefix(seen.width, width));
    assert_true(seen.elements > 20); /* drawn, not empty */
    g_free(seen.root);
    g_free(seen.width);
}

/* Occurrences of "/Type /Page" not followed by "s" (the page tree). */
static int
count_pdf_pages(const char *data, gsize len)
{
    int n = 0;
    const char *key = "/Type /Page";
    size_t key_len = strlen(key);
    /* memmem, not strstr: compressed streams hold NUL bytes. */
    for (const char *p = data; (p = memmem(p, (size_t)(data + len - p), key, key_len)) != NULL; p += key_len)
        n += p + key_len < data + len && p[key_len] != 's';
    return n;
}

/* The output of an external tool (pdfinfo, pdftotext), or NULL if it is
 * not installed. */
static char *
tool_output(const char *tool, const char *path, const char *last_arg)
{
    g_autofree char *program = g_find_program_in_path(tool);
    if (program == NULL)
        return NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                                   &error, program, path, last_arg, NULL);
    assert_non_null(proc);
    char *out = NULL;
    assert_true(g_subprocess_communicate_utf8(proc, NULL, NULL, &out, NULL, &error));
    assert_true(g_subprocess_get_successful(proc));
    return out;
}

/* A PDF of exactly one page of that size (whole points, as pdfinfo
 * begins them). */
static void
assert_pdf_one_page(const char *path, int width, int height)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    assert_true(len > 100);
    assert_memory_equal(data, "%PDF-", 5);
    assert_non_null(memmem(data + len - 32, 32, "%%EOF", 5));
    assert_int_equal(count_pdf_pages(data, len), 1);

    g_autofree char *info = tool_output("pdfinfo", path, NULL);
    if (info == NULL) {
        print_message("# pdfinfo is not installed (poppler-utils): the page was counted in the file only\n");
        return;
    }
    assert_non_null(strstr(info, "Pages:           1\n"));
    g_autofree char *size = g_strdup_printf("Page size:       %d", width);
    const char *at = strstr(info, size);
    assert_non_null(at);
    g_autofree char *by = g_strdup_printf(" x %d", height);
    assert_non_null(strstr(at, by));
}

/* ---- plot ---- */

static void
test_plot_every_kind_and_format(void **state)
{
    (void)state;
    g_autofree char *csv = history_csv();
    const char *kinds[] = { "accuracy", "loss", "lr", "all" };
    for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
        g_autofree char *png = tmp_path("plot.png"), *svg = tmp_path("plot.svg"), *pdf = tmp_path("plot.PDF");
        assert_int_equal(run_cli(NULL, "plot", "--history", csv, "--out", png, "--kind", kinds[k], NULL), 0);
        gboolean all = strcmp(kinds[k], "all") == 0;
        assert_png(png, 800, all ? 1100 : 400); /* the defaults */
        assert_int_equal(run_cli(NULL, "plot", "--history", csv, "--out", svg, "--kind", kinds[k], NULL), 0);
        assert_svg(svg, "800");
        assert_int_equal(run_cli(NULL, "plot", "--history", csv, "--out", pdf, "--kind", kinds[k], NULL), 0);
        assert_pdf_one_page(pdf, 800, all ? 1100 : 400);
        g_remove(png);
        g_remove(svg);
        g_remove(pdf);
    }

    /* The size asked for; all three by default. */
    g_autofree char *png = tmp_path("sized.png");
    assert_int_equal(run_cli(NULL, "plot", "--history", csv, "--out", png, "--width", "640", "--height", "900",
                             "--dark", "--font-size", "18", NULL), 0);
    assert_png(png, 640, 900);
    g_remove(png);
    g_autofree char *left = listing();
    assert_string_equal(left, "h.csv");
}

static void
test_plot_bad_input(void **state)
{
    (void)state;
    g_autofree char *csv = history_csv();
    g_autofree char *out = tmp_path("out.png");
    g_autofree char *missing = tmp_path("missing.csv");
    g_autofree char *header = write_tmp("header.csv", "epoch,loss\n1,2\n");
    g_autofree char *row = write_tmp("row.csv", CSV_HEADER "1,1e-5,2.4,0.2,1.7,0.3,33.6,1800\n2,oops,1,1,1,1,1,1\n");
    g_autofree char *empty = write_tmp("empty.csv", CSV_HEADER);
    char *err = NULL;

    /* A file that is there already is left as it was. */
    assert_true(g_file_set_contents(out, "old", -1, NULL));

    assert_int_equal(run_cli(&err, "plot", "--history", missing, "--out", out, NULL), 1);
    assert_non_null(strstr(err, "missing.csv"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "plot", "--history", header, "--out", out, NULL), 1);
    assert_non_null(strstr(err, "is not a training history"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "plot", "--history", row, "--out", out, NULL), 1);
    assert_non_null(strstr(err, "line 3"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "plot", "--history", empty, "--out", out, NULL), 1);
    assert_non_null(strstr(err, "no epochs"));
    g_clear_pointer(&err, g_free);

    g_autofree char *contents = NULL;
    assert_true(g_file_get_contents(out, &contents, NULL, NULL));
    assert_string_equal(contents, "old");
    g_remove(out);

    /* Names that say no format, options out of range. */
    g_autofree char *tiff = tmp_path("plot.tiff"), *bare = tmp_path("plot");
    assert_int_equal(run_cli(&err, "plot", "--history", csv, "--out", tiff, NULL), 2);
    assert_non_null(strstr(err, ".png, ….svg or ….pdf"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "plot", "--history", csv, "--out", bare, NULL), 2);
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "plot", "--history", csv, "--out", out, "--kind", "speed", NULL), 2);
    assert_non_null(strstr(err, "--kind"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "plot", "--history", csv, "--out", out, "--width", "5", NULL), 2);
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "plot", "--out", out, NULL), 2);
    assert_non_null(strstr(err, "--history is required"));
    g_clear_pointer(&err, g_free);

    /* A folder that does not exist; a folder where the file should go (the
     * temporary file is made, then cannot replace it: it must go too). */
    g_autofree char *nowhere = tmp_path("no-such-folder/plot.png");
    assert_int_equal(run_cli(&err, "plot", "--history", csv, "--out", nowhere, NULL), 1);
    assert_non_null(strstr(err, "Could not write"));
    assert_non_null(strstr(err, "folder does not exist"));
    g_clear_pointer(&err, g_free);
    g_autofree char *folder = tmp_path("folder.pdf");
    assert_int_equal(g_mkdir(folder, 0755), 0);
    assert_int_equal(run_cli(&err, "plot", "--history", csv, "--out", folder, NULL), 1);
    assert_non_null(strstr(err, "Could not write"));
    g_clear_pointer(&err, g_free);
    g_rmdir(folder);

    g_autofree char *left = listing();
    assert_string_equal(left, "empty.csv h.csv header.csv row.csv");
    remove_tmp_file("empty.csv");
    remove_tmp_file("header.csv");
    remove_tmp_file("row.csv");
}

/* ---- report ---- */

static char *
make_model_trained(int epochs)
{
    g_autofree char *name = g_strdup_printf("model-%d.dlm", epochs);
    char *path = tmp_path(name);
    NnModelConfig config = nn_model_config_default();
    NnModel *model = NULL;
    NnError err = { 0 };
    assert_int_equal(nn_model_new(&config, 7, &model, &err), NN_OK);
    nn_model_set_epochs_done(model, epochs);
    nn_model_set_step(model, epochs * 24);
    assert_int_equal(nn_model_save(model, path, 0, &err), NN_OK);
    nn_model_free(model);
    return path;
}

/* A model of 6 epochs of 24 steps. */
static char *
make_model(void)
{
    return make_model_trained(6);
}

static void
test_report_without_mnist(void **state)
{
    (void)state;
    g_autofree char *csv = history_csv();
    g_autofree char *model = make_model();
    g_autofree char *pdf = tmp_path("run.pdf");
    g_autofree char *nowhere = tmp_path("no-mnist-here");
    char *err = NULL;

    /* The page is made, and says (as stderr does) why it has no matrix. */
    assert_int_equal(run_cli(&err, "report", "--model", model, "--history", csv, "--out", pdf, "--data", nowhere,
                             "--paper", "letter", NULL), 0);
    assert_non_null(strstr(err, "warning"));
    assert_non_null(strstr(err, "MNIST test set was not found"));
    g_clear_pointer(&err, g_free);
    assert_pdf_one_page(pdf, 612, 792);
    g_autofree char *text = tool_output("pdftotext", pdf, "-");
    if (text != NULL) {
        assert_non_null(strstr(text, "No confusion matrix"));
        assert_non_null(strstr(text, "Settings"));
        assert_non_null(strstr(text, "99.21 %")); /* epoch 6's validation accuracy */
        g_strdelimit(text, "\n", ' ');
        assert_non_null(strstr(text, "6 epochs trained, 144 optimizer steps (24 per epoch)"));
    }
    g_remove(pdf);

    /* One epoch is "1 epoch". */
    g_autofree char *one = make_model_trained(1);
    assert_int_equal(run_cli(&err, "report", "--model", one, "--history", csv, "--out", pdf, "--data", nowhere, NULL),
                     0);
    g_clear_pointer(&err, g_free);
    g_autofree char *one_text = tool_output("pdftotext", pdf, "-");
    if (one_text != NULL) {
        g_strdelimit(one_text, "\n", ' ');
        assert_non_null(strstr(one_text, "1 epoch trained, 24 optimizer steps (24 per epoch)"));
    }
    g_remove(pdf);
    g_remove(one);

    /* Bad input: no file written. */
    g_autofree char *png = tmp_path("run.png"), *missing = tmp_path("missing.dlm");
    assert_int_equal(run_cli(&err, "report", "--model", model, "--history", csv, "--out", png, NULL), 2);
    assert_non_null(strstr(err, ".pdf"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "report", "--model", missing, "--history", csv, "--out", pdf, NULL), 1);
    assert_non_null(strstr(err, "missing.dlm"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "report", "--model", csv, "--history", csv, "--out", pdf, NULL), 1);
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "report", "--model", model, "--history", model, "--out", pdf, NULL), 1);
    assert_non_null(strstr(err, "is not a training history"));
    g_clear_pointer(&err, g_free);
    assert_int_equal(run_cli(&err, "report", "--model", model, "--history", csv, "--out", pdf, "--paper", "a5", NULL), 2);
    g_clear_pointer(&err, g_free);

    g_autofree char *left = listing();
    assert_string_equal(left, "h.csv model-6.dlm");
}

static void
test_report_with_mnist(void **state)
{
    (void)state;
    const char *mnist = test_mnist_dir();
    g_autofree char *csv = history_csv();
    g_autofree char *model = make_model();
    g_autofree char *pdf = tmp_path("run.pdf");
    char *err = NULL;
    assert_int_equal(run_cli(&err, "report", "--model", model, "--history", csv, "--out", pdf, "--data", mnist, NULL), 0);
    assert_null(strstr(err, "warning"));
    g_clear_pointer(&err, g_free);
    assert_pdf_one_page(pdf, 595, 841); /* A4: 595.276 x 841.89 */
    g_autofree char *text = tool_output("pdftotext", pdf, "-");
    if (text != NULL) {
        assert_non_null(strstr(text, "Confusion matrix"));
        assert_non_null(strstr(text, "Test accuracy"));
        assert_non_null(strstr(text, "10,000 images"));
        g_strdelimit(text, "\n", ' '); /* the metric's text wraps */
        assert_non_null(strstr(text, "on the 10,000 MNIST test images"));
        assert_null(strstr(text, "No confusion matrix"));
    }
}

static int
setup(void **state)
{
    (void)state;
    tmp_dir = g_dir_make_tmp("digitlab-plot-cli-XXXXXX", NULL);
    return tmp_dir != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    g_autoptr(GDir) dir = g_dir_open(tmp_dir, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL)
        remove_tmp_file(name);
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return 0;
}

int
main(void)
{
    struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plot_every_kind_and_format),
        cmocka_unit_test(test_plot_bad_input),
        cmocka_unit_test(test_report_without_mnist),
        cmocka_unit_test(test_report_with_mnist),
    };
    size_t n = G_N_ELEMENTS(tests);
    if (test_mnist_dir() == NULL) {
        printf("# report with a confusion matrix left out: " TEST_MNIST_MISSING "\n");
        n--;
    }
    return _cmocka_run_group_tests("plot-cli", tests, n, setup, teardown);
}
