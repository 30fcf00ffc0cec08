/* dl-collection.c — the class's drawings; see dl-collection.h. */
#include "dl-collection.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "fileio.h"

/* A class's file is a few megabytes (a drawing is a few kilobytes); one
 * larger than this is no collection of ours, and is left alone. */
#define MAX_FILE_SIZE (64u << 20)
/* Problems reported per load or import; the rest are counted. */
#define MAX_PROBLEMS 20

G_DEFINE_QUARK(dl-collection-error-quark, dl_collection_error)

/* ---- one drawing -------------------------------------------------------------- */

struct _DlDrawingItem {
    GObject parent_instance;

    DlDrawing drawing;
    guint8 pixels[NN_IMAGE_PIXELS];
    char *key;            /* the strokes' checksum: duplicates have the same */
    GPtrArray *kept;      /* GBytes: lines that are no drawing, just before this one in the file */
};

G_DEFINE_FINAL_TYPE(DlDrawingItem, dl_drawing_item, G_TYPE_OBJECT)

static void
dl_drawing_item_finalize(GObject *object)
{
    DlDrawingItem *self = DL_DRAWING_ITEM(object);

    dl_drawing_clear(&self->drawing);
    g_free(self->key);
    g_clear_pointer(&self->kept, g_ptr_array_unref);
    G_OBJECT_CLASS(dl_drawing_item_parent_class)->finalize(object);
}

static void
dl_drawing_item_class_init(DlDrawingItemClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = dl_drawing_item_finalize;
}

static void
dl_drawing_item_init(DlDrawingItem *self)
{
    self->drawing = (DlDrawing)DL_DRAWING_INIT;
    self->kept = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
}

/* The strokes' identity: the number of strokes, each one's length and every
 * coordinate's bits. A drawing read back from its line has the same. */
static char *
strokes_key(const DlDrawing *drawing)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    guint64 n = drawing->n_strokes;

    g_checksum_update(sum, (const guchar *)&n, sizeof n);
    for (size_t s = 0; s < drawing->n_strokes; s++) {
        n = drawing->strokes[s].n_points;
        g_checksum_update(sum, (const guchar *)&n, sizeof n);
        g_checksum_update(sum, (const guchar *)drawing->strokes[s].points, sizeof(NnPoint) * n);
    }
    return g_strdup(g_checksum_get_string(sum));
}

static void
copy_drawing(DlDrawing *to, const DlDrawing *from)
{
    *to = (DlDrawing)DL_DRAWING_INIT;
    dl_drawing_set_strokes(to, from->strokes, from->n_strokes);
    to->label = from->label;
    to->writer = g_strdup(from->writer);
    to->time = g_strdup(from->time);
    to->student = g_strdup(from->student);
}

/* A new item from drawing (taken: *drawing is reset), rendered as the
 * network sees it; NULL with a message when it has no digit label or no
 * ink. Any thread. */
static DlDrawingItem *
item_new_take(DlDrawing *drawing, GError **error)
{
    if (drawing->label < 0 || drawing->label >= NN_CLASSES) {
        g_set_error_literal(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_INVALID,
                            _("the drawing has no digit label"));
        return NULL;
    }
    float image[NN_IMAGE_PIXELS];
    NnError err = { 0 };
    if (nn_strokes_to_image(drawing->strokes, drawing->n_strokes, image, &err) != NN_OK) {
        g_set_error_literal(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_INVALID,
                            err.status == NN_ERR_EMPTY ? _("the drawing has no ink") : err.message);
        return NULL;
    }

    DlDrawingItem *self = g_object_new(DL_TYPE_DRAWING_ITEM, NULL);
    self->drawing = *drawing;
    *drawing = (DlDrawing)DL_DRAWING_INIT;
    for (int i = 0; i < NN_IMAGE_PIXELS; i++)
        self->pixels[i] = (guint8)lroundf(255.0f * CLAMP(image[i], 0.0f, 1.0f));
    self->key = strokes_key(&self->drawing);
    return self;
}

/* The same drawing under another label, with the lines kept before it. */
static DlDrawingItem *
item_relabelled(DlDrawingItem *item, int label)
{
    DlDrawingItem *self = g_object_new(DL_TYPE_DRAWING_ITEM, NULL);

    copy_drawing(&self->drawing, &item->drawing);
    self->drawing.label = label;
    memcpy(self->pixels, item->pixels, sizeof self->pixels);
    self->key = g_strdup(item->key);
    for (guint i = 0; i < item->kept->len; i++)
        g_ptr_array_add(self->kept, g_bytes_ref(item->kept->pdata[i]));
    return self;
}

const DlDrawing *
dl_drawing_item_get_drawing(DlDrawingItem *self)
{
    g_return_val_if_fail(DL_IS_DRAWING_ITEM(self), NULL);

    return &self->drawing;
}

int
dl_drawing_item_get_label(DlDrawingItem *self)
{
    g_return_val_if_fail(DL_IS_DRAWING_ITEM(self), -1);

    return self->drawing.label;
}

const char *
dl_drawing_item_get_student(DlDrawingItem *self)
{
    g_return_val_if_fail(DL_IS_DRAWING_ITEM(self), NULL);

    return self->drawing.student;
}

const char *
dl_drawing_item_get_time(DlDrawingItem *self)
{
    g_return_val_if_fail(DL_IS_DRAWING_ITEM(self), NULL);

    return self->drawing.time;
}

const guint8 *
dl_drawing_item_get_pixels(DlDrawingItem *self)
{
    g_return_val_if_fail(DL_IS_DRAWING_ITEM(self), NULL);

    return self->pixels;
}

/* ---- the collection ---------------------------------------------------------- */

struct _DlCollection {
    GObject parent_instance;

    char *path;
    GPtrArray *items;     /* DlDrawingItem, in the file's order */
    GPtrArray *kept_tail; /* GBytes: lines that are no drawing, after the last drawing */
    GHashTable *by_key;   /* strokes key -> DlDrawingItem (the first with it) */
    GPtrArray *problems;  /* char *, NULL-terminated */
    gboolean loaded;
    gboolean readable;    /* FALSE: the file could not be read; never write it */
    char *unreadable;     /* why */
    char *student;        /* NULL: none */
};

static void dl_collection_list_model_init(GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(DlCollection, dl_collection, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, dl_collection_list_model_init))

enum {
    PROP_0,
    PROP_LOADED,
    PROP_STUDENT,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
list_get_item_type(GListModel *list)
{
    return DL_TYPE_DRAWING_ITEM;
}

static guint
list_get_n_items(GListModel *list)
{
    return DL_COLLECTION(list)->items->len;
}

static gpointer
list_get_item(GListModel *list, guint position)
{
    DlCollection *self = DL_COLLECTION(list);

    return position < self->items->len ? g_object_ref(self->items->pdata[position]) : NULL;
}

static void
dl_collection_list_model_init(GListModelInterface *iface)
{
    iface->get_item_type = list_get_item_type;
    iface->get_n_items = list_get_n_items;
    iface->get_item = list_get_item;
}

static void
dl_collection_finalize(GObject *object)
{
    DlCollection *self = DL_COLLECTION(object);

    g_free(self->path);
    g_ptr_array_unref(self->items);
    g_ptr_array_unref(self->kept_tail);
    g_hash_table_unref(self->by_key);
    g_ptr_array_unref(self->problems);
    g_free(self->unreadable);
    g_free(self->student);
    G_OBJECT_CLASS(dl_collection_parent_class)->finalize(object);
}

static void
dl_collection_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    switch (prop_id) {
    case PROP_LOADED:
        g_value_set_boolean(value, DL_COLLECTION(object)->loaded);
        break;
    case PROP_STUDENT:
        g_value_set_string(value, DL_COLLECTION(object)->student);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_collection_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    switch (prop_id) {
    case PROP_STUDENT:
        dl_collection_set_student(DL_COLLECTION(object), g_value_get_string(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_collection_class_init(DlCollectionClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = dl_collection_finalize;
    object_class->get_property = dl_collection_get_property;
    object_class->set_property = dl_collection_set_property;

    properties[PROP_STUDENT] = g_param_spec_string("student", NULL, NULL, NULL,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    properties[PROP_LOADED] = g_param_spec_boolean("loaded", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
dl_collection_init(DlCollection *self)
{
    self->items = g_ptr_array_new_with_free_func(g_object_unref);
    self->kept_tail = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    self->by_key = g_hash_table_new(g_str_hash, g_str_equal);
    self->problems = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(self->problems, NULL);
    self->readable = TRUE;
}

char *
dl_collection_default_path(void)
{
    return g_build_filename(g_get_user_data_dir(), "digitlab", "drawings.jsonl", NULL);
}

DlCollection *
dl_collection_new(const char *path)
{
    g_return_val_if_fail(path != NULL, NULL);

    DlCollection *self = g_object_new(DL_TYPE_COLLECTION, NULL);
    self->path = g_strdup(path);
    return self;
}

const char *
dl_collection_get_path(DlCollection *self)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), NULL);

    return self->path;
}

/* A new array holding references to the same items. */
static gpointer
ref_item(gconstpointer item, gpointer data)
{
    return g_object_ref((gpointer)item);
}

static GPtrArray *
items_copy(GPtrArray *items)
{
    GPtrArray *copy = g_ptr_array_copy(items, ref_item, NULL);

    g_ptr_array_set_free_func(copy, g_object_unref);
    return copy;
}

void
dl_collection_set_student(DlCollection *self, const char *student)
{
    g_return_if_fail(DL_IS_COLLECTION(self));

    /* Kept as typed (an entry bound to it must not lose its spaces); the
     * drawings get it trimmed. */
    if (student != NULL && (student[0] == '\0' || !g_utf8_validate(student, -1, NULL)))
        student = NULL;
    if (g_strcmp0(student, self->student) == 0)
        return;
    g_free(self->student);
    self->student = g_strdup(student);
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_STUDENT]);
}

const char *
dl_collection_get_student(DlCollection *self)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), NULL);

    return self->student;
}

/* ---- the index of strokes ---- */

static void
index_add(DlCollection *self, DlDrawingItem *item)
{
    if (!g_hash_table_contains(self->by_key, item->key))
        g_hash_table_insert(self->by_key, item->key, item);
}

static void
index_rebuild(DlCollection *self)
{
    g_hash_table_remove_all(self->by_key);
    for (guint i = 0; i < self->items->len; i++)
        index_add(self, self->items->pdata[i]);
}

/* ---- loading ---- */

typedef struct {
    GPtrArray *items;     /* DlDrawingItem */
    GPtrArray *kept_tail; /* GBytes */
    GPtrArray *problems;  /* char * */
    guint n_problems;     /* all of them, also those not in the list */
    char *unreadable;     /* the file could not be read: why */
} Loaded;

static void
loaded_free(gpointer data)
{
    Loaded *loaded = data;

    g_ptr_array_unref(loaded->items);
    g_ptr_array_unref(loaded->kept_tail);
    g_ptr_array_unref(loaded->problems);
    g_free(loaded->unreadable);
    g_free(loaded);
}

static void
add_problem(GPtrArray *problems, guint *count, char *message)
{
    (*count)++;
    if (problems->len < MAX_PROBLEMS)
        g_ptr_array_add(problems, message);
    else
        g_free(message);
}

/* Reads and renders the file: any thread. Lines that are no drawing are
 * kept as they are, before the drawing that follows them. */
static Loaded *
load_file(const char *path)
{
    Loaded *loaded = g_new0(Loaded, 1);
    loaded->items = g_ptr_array_new_with_free_func(g_object_unref);
    loaded->kept_tail = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    loaded->problems = g_ptr_array_new_with_free_func(g_free);

    if (!g_file_test(path, G_FILE_TEST_EXISTS) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
        return loaded; /* no drawings yet */

    unsigned char *data = NULL;
    size_t size = 0;
    NnError err = { 0 };
    if (nn_file_read(path, MAX_FILE_SIZE, "drawings", &data, &size, &err) != NN_OK) {
        loaded->unreadable = g_strdup(err.message);
        return loaded;
    }

    g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    const char *p = (const char *)data, *end = p + size;
    guint line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl != NULL ? nl : end;
        gsize length = (gsize)(stop - p);
        line++;

        gboolean blank = TRUE;
        for (const char *c = p; c < stop && blank; c++)
            blank = *c == ' ' || *c == '\t' || *c == '\r';
        if (!blank) {
            DlDrawing drawing = DL_DRAWING_INIT;
            g_autoptr(GError) error = NULL;
            DlDrawingItem *item = NULL;
            if (dl_drawing_parse_line(p, length, &drawing, &error))
                item = item_new_take(&drawing, &error);
            dl_drawing_clear(&drawing);
            if (item != NULL) {
                g_ptr_array_extend_and_steal(item->kept, g_steal_pointer(&kept));
                kept = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
                g_ptr_array_add(loaded->items, item);
            } else {
                /* Kept as it is: a rewrite writes it back in its place. */
                g_ptr_array_add(kept, g_bytes_new(p, length));
                /* TRANSLATORS: a line of the class's drawings file that is no drawing */
                add_problem(loaded->problems, &loaded->n_problems,
                            g_strdup_printf(_("Line %u: %s"), line, error->message));
            }
        }
        p = nl != NULL ? nl + 1 : end;
    }
    g_ptr_array_extend_and_steal(loaded->kept_tail, g_steal_pointer(&kept));
    free(data);
    return loaded;
}

static void
apply_loaded(DlCollection *self, Loaded *loaded)
{
    guint removed = self->items->len;

    g_ptr_array_set_size(self->items, 0);
    g_ptr_array_extend_and_steal(self->items, g_ptr_array_ref(loaded->items));
    g_ptr_array_set_size(self->kept_tail, 0);
    g_ptr_array_extend_and_steal(self->kept_tail, g_ptr_array_ref(loaded->kept_tail));
    g_ptr_array_set_size(self->problems, 0);
    for (guint i = 0; i < loaded->problems->len; i++)
        g_ptr_array_add(self->problems, g_strdup(loaded->problems->pdata[i]));
    if (loaded->n_problems > loaded->problems->len)
        g_ptr_array_add(self->problems,
                        g_strdup_printf(g_dngettext(NULL, "… and %u more line", "… and %u more lines",
                                                    loaded->n_problems - loaded->problems->len),
                                        loaded->n_problems - loaded->problems->len));
    g_ptr_array_add(self->problems, NULL);
    for (guint i = 0; i + 1 < self->problems->len; i++)
        g_message("%s: %s", self->path, (const char *)self->problems->pdata[i]);
    g_free(self->unreadable);
    self->unreadable = g_strdup(loaded->unreadable);
    self->readable = loaded->unreadable == NULL;
    if (!self->readable)
        g_message("%s", self->unreadable);
    index_rebuild(self);

    g_list_model_items_changed(G_LIST_MODEL(self), 0, removed, self->items->len);
    if (!self->loaded) {
        self->loaded = TRUE;
        g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_LOADED]);
    }
}

static gboolean
loaded_result(DlCollection *self, GError **error)
{
    if (!self->readable) {
        g_set_error(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_UNREADABLE,
                    _("The class’s drawings could not be read, so nothing is saved to them: %s"), self->unreadable);
        return FALSE;
    }
    return TRUE;
}

gboolean
dl_collection_load(DlCollection *self, GError **error)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    Loaded *loaded = load_file(self->path);
    apply_loaded(self, loaded);
    loaded_free(loaded);
    return loaded_result(self, error);
}

static void
load_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    g_task_return_pointer(task, load_file(task_data), loaded_free);
}

void
dl_collection_load_async(DlCollection *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
    g_return_if_fail(DL_IS_COLLECTION(self));

    g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(task, dl_collection_load_async);
    g_task_set_name(task, "[digitlab] drawings");
    g_task_set_task_data(task, g_strdup(self->path), g_free);
    g_task_run_in_thread(task, load_thread);
}

gboolean
dl_collection_load_finish(DlCollection *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), FALSE);
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);

    Loaded *loaded = g_task_propagate_pointer(G_TASK(result), error);
    if (loaded == NULL)
        return FALSE;
    apply_loaded(self, loaded);
    loaded_free(loaded);
    return loaded_result(self, error);
}

gboolean
dl_collection_get_loaded(DlCollection *self)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), FALSE);

    return self->loaded;
}

const char *const *
dl_collection_get_problems(DlCollection *self)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), NULL);

    return (const char *const *)self->problems->pdata;
}

guint
dl_collection_get_n_kept_lines(DlCollection *self)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), 0);

    guint n = self->kept_tail->len;
    for (guint i = 0; i < self->items->len; i++)
        n += ((DlDrawingItem *)self->items->pdata[i])->kept->len;
    return n;
}

/* ---- queries ---- */

void
dl_collection_count_labels(DlCollection *self, guint counts[NN_CLASSES])
{
    g_return_if_fail(DL_IS_COLLECTION(self));

    memset(counts, 0, sizeof(guint) * NN_CLASSES);
    for (guint i = 0; i < self->items->len; i++)
        counts[((DlDrawingItem *)self->items->pdata[i])->drawing.label]++;
}

DlDrawingItem *
dl_collection_find(DlCollection *self, const DlDrawing *drawing)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), NULL);
    g_return_val_if_fail(drawing != NULL, NULL);

    g_autofree char *key = strokes_key(drawing);
    return g_hash_table_lookup(self->by_key, key);
}

int
dl_collection_get_position(DlCollection *self, DlDrawingItem *item)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), -1);

    guint position;
    return item != NULL && g_ptr_array_find(self->items, item, &position) ? (int)position : -1;
}

/* ---- writing ---- */

static gboolean
check_writable(DlCollection *self, GError **error)
{
    return loaded_result(self, error);
}

static gboolean G_GNUC_PRINTF(2, 3)
write_failed(GError **error, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *why = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_WRITE,
                _("The drawing could not be saved: %s. Nothing already saved was lost; free some space and try "
                  "again."), why);
    return FALSE;
}

static gboolean
ensure_folder(DlCollection *self, GError **error)
{
    g_autofree char *folder = g_path_get_dirname(self->path);

    if (g_mkdir_with_parents(folder, 0755) != 0) {
        int saved = errno;
        g_autofree char *name = g_filename_display_name(folder);
        return write_failed(error, _("the folder %s could not be made (%s)"), name, g_strerror(saved));
    }
    return TRUE;
}

/* Appends text (whole lines) to the file and fsyncs it. On failure the file
 * is cut back to the size it had, so no part of a line stays. */
static gboolean
append_lines(DlCollection *self, const char *text, gsize length, GError **error)
{
    if (!ensure_folder(self, error))
        return FALSE;

    int fd = g_open(self->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        int saved = errno;
        return write_failed(error, "%s", g_strerror(saved));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return write_failed(error, "%s", _("it is not a regular file"));
    }

    /* A file that does not end with a newline (cut short before) gets one,
     * so the new line is a line of its own. */
    gboolean newline_first = FALSE;
    if (st.st_size > 0) {
        char last = '\n';
        if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
            newline_first = TRUE;
    }

    int failure = 0;
    if (newline_first && write(fd, "\n", 1) != 1)
        failure = errno != 0 ? errno : EIO;
    for (gsize done = 0; failure == 0 && done < length;) {
        ssize_t n = write(fd, text + done, length - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            failure = n < 0 ? errno : ENOSPC;
            break;
        }
        done += (gsize)n;
    }
    if (failure == 0 && fsync(fd) != 0)
        failure = errno;
    if (failure != 0) {
        /* Back to what was saved before (the bytes before st_size were
         * never touched: O_APPEND writes only after them). */
        if (ftruncate(fd, st.st_size) == 0)
            fsync(fd);
        close(fd);
        return write_failed(error, "%s", g_strerror(failure));
    }
    if (close(fd) != 0)
        return write_failed(error, "%s", g_strerror(errno));
    return TRUE;
}

static void
append_item_lines(GString *out, DlDrawingItem *item)
{
    for (guint k = 0; k < item->kept->len; k++) {
        gsize size;
        const char *line = g_bytes_get_data(item->kept->pdata[k], &size);
        g_string_append_len(out, line, (gssize)size);
        g_string_append_c(out, '\n');
    }
    g_autofree char *line = dl_drawing_to_line(&item->drawing);
    g_string_append(out, line);
    g_string_append_c(out, '\n');
}

/* The file's contents for items, with the lines that are no drawing in
 * their places (with_kept) or left out. */
static GString *
contents(GPtrArray *items, GPtrArray *kept_tail, gboolean with_kept)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < items->len; i++) {
        DlDrawingItem *item = items->pdata[i];
        if (with_kept) {
            append_item_lines(out, item);
        } else {
            g_autofree char *line = dl_drawing_to_line(&item->drawing);
            g_string_append(out, line);
            g_string_append_c(out, '\n');
        }
    }
    for (guint k = 0; with_kept && k < kept_tail->len; k++) {
        gsize size;
        const char *line = g_bytes_get_data(kept_tail->pdata[k], &size);
        g_string_append_len(out, line, (gssize)size);
        g_string_append_c(out, '\n');
    }
    return out;
}

/* Replaces the file with items (and the kept lines), atomically. */
static gboolean
rewrite(DlCollection *self, GPtrArray *items, GPtrArray *kept_tail, GError **error)
{
    if (!ensure_folder(self, error))
        return FALSE;

    g_autoptr(GString) out = contents(items, kept_tail, TRUE);
    NnError err = { 0 };
    if (nn_file_replace(self->path, out->str, out->len, &err) != NN_OK)
        return write_failed(error, "%s", err.message);
    return TRUE;
}

DlDrawingItem *
dl_collection_add(DlCollection *self, const DlDrawing *drawing, GError **error)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), NULL);
    g_return_val_if_fail(drawing != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!check_writable(self, error))
        return NULL;
    DlDrawing copy;
    copy_drawing(&copy, drawing);
    if (copy.time == NULL) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        copy.time = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
    }
    if (copy.student == NULL && self->student != NULL) {
        copy.student = g_strstrip(g_strdup(self->student));
        if (copy.student[0] == '\0')
            g_clear_pointer(&copy.student, g_free);
    }
    DlDrawingItem *item = item_new_take(&copy, error);
    dl_drawing_clear(&copy);
    if (item == NULL)
        return NULL;

    g_autoptr(GString) line = g_string_new(NULL);
    g_autofree char *text = dl_drawing_to_line(&item->drawing);
    g_string_append(line, text);
    g_string_append_c(line, '\n');
    if (!append_lines(self, line->str, line->len, error)) {
        g_object_unref(item);
        return NULL;
    }
    /* The lines kept after the last drawing are before this one now. */
    g_ptr_array_extend_and_steal(item->kept, g_ptr_array_ref(self->kept_tail));
    g_ptr_array_set_size(self->kept_tail, 0);
    g_ptr_array_add(self->items, item);
    index_add(self, item);
    g_list_model_items_changed(G_LIST_MODEL(self), self->items->len - 1, 0, 1);
    return item;
}

DlDrawingItem *
dl_collection_relabel(DlCollection *self, DlDrawingItem *item, int label, GError **error)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), NULL);
    g_return_val_if_fail(DL_IS_DRAWING_ITEM(item), NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    guint position;
    if (!g_ptr_array_find(self->items, item, &position)) {
        g_set_error_literal(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_NOT_FOUND,
                            _("The drawing is no longer in the class’s drawings."));
        return NULL;
    }
    if (label < 0 || label >= NN_CLASSES) {
        g_set_error_literal(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_INVALID, _("the label is no digit"));
        return NULL;
    }
    if (label == item->drawing.label)
        return item;
    if (!check_writable(self, error))
        return NULL;

    DlDrawingItem *replacement = item_relabelled(item, label);
    g_autoptr(GPtrArray) items = items_copy(self->items);
    g_object_unref(items->pdata[position]);
    items->pdata[position] = replacement;
    if (!rewrite(self, items, self->kept_tail, error))
        return NULL;

    g_ptr_array_unref(self->items);
    self->items = g_steal_pointer(&items);
    index_rebuild(self);
    g_list_model_items_changed(G_LIST_MODEL(self), position, 1, 1);
    return replacement;
}

gboolean
dl_collection_remove(DlCollection *self, DlDrawingItem *item, guint *position, GError **error)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), FALSE);
    g_return_val_if_fail(DL_IS_DRAWING_ITEM(item), FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    guint at;
    if (!g_ptr_array_find(self->items, item, &at)) {
        g_set_error_literal(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_NOT_FOUND,
                            _("The drawing is no longer in the class’s drawings."));
        return FALSE;
    }
    if (!check_writable(self, error))
        return FALSE;

    /* The lines kept before it go before the next drawing (or to the end). */
    g_autoptr(GPtrArray) items = items_copy(self->items);
    g_ptr_array_remove_index(items, at);
    DlDrawingItem *next = at < items->len ? items->pdata[at] : NULL;
    GPtrArray *to = next != NULL ? next->kept : self->kept_tail;
    guint had = to->len;
    for (guint k = 0; k < item->kept->len; k++)
        g_ptr_array_insert(to, (gint)k, g_bytes_ref(item->kept->pdata[k]));
    if (!rewrite(self, items, self->kept_tail, error)) {
        g_ptr_array_remove_range(to, 0, to->len - had);
        return FALSE;
    }
    g_ptr_array_set_size(item->kept, 0);

    g_ptr_array_unref(self->items);
    self->items = g_steal_pointer(&items);
    index_rebuild(self);
    g_list_model_items_changed(G_LIST_MODEL(self), at, 1, 0);
    if (position != NULL)
        *position = at;
    return TRUE;
}

gboolean
dl_collection_insert(DlCollection *self, guint position, DlDrawingItem *item, GError **error)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), FALSE);
    g_return_val_if_fail(DL_IS_DRAWING_ITEM(item), FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if (!check_writable(self, error))
        return FALSE;
    position = MIN(position, self->items->len);
    g_autoptr(GPtrArray) items = items_copy(self->items);
    g_ptr_array_insert(items, (gint)position, g_object_ref(item));
    if (!rewrite(self, items, self->kept_tail, error))
        return FALSE;

    g_ptr_array_unref(self->items);
    self->items = g_steal_pointer(&items);
    index_rebuild(self);
    g_list_model_items_changed(G_LIST_MODEL(self), position, 0, 1);
    return TRUE;
}

gboolean
dl_collection_export(DlCollection *self, const char *path, GError **error)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), FALSE);
    g_return_val_if_fail(path != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    g_autoptr(GString) out = contents(self->items, self->kept_tail, FALSE);
    NnError err = { 0 };
    if (nn_file_replace(path, out->str, out->len, &err) != NN_OK) {
        g_set_error(error, DL_COLLECTION_ERROR, DL_COLLECTION_ERROR_WRITE, "%s", err.message);
        return FALSE;
    }
    return TRUE;
}

/* ---- imports ---- */

void
dl_import_report_clear(DlImportReport *report)
{
    g_return_if_fail(report != NULL);

    g_free(report->first_problem);
    memset(report, 0, sizeof *report);
}

typedef struct {
    GPtrArray *items; /* DlDrawingItem, in the file's order */
    DlImportReport report;
} Imported;

static void
imported_free(gpointer data)
{
    Imported *imported = data;

    g_ptr_array_unref(imported->items);
    dl_import_report_clear(&imported->report);
    g_free(imported);
}

static void
import_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    GFile *file = task_data;
    GError *error = NULL;
    g_autoptr(GFileInputStream) stream = g_file_read(file, cancellable, &error);

    if (stream == NULL) {
        g_task_return_error(task, error);
        return;
    }
    Imported *imported = g_new0(Imported, 1);
    imported->items = g_ptr_array_new_with_free_func(g_object_unref);
    g_autoptr(DlStrokesReader) reader = dl_strokes_reader_new(G_INPUT_STREAM(stream));
    for (;;) {
        DlDrawing drawing = DL_DRAWING_INIT;
        guint line = 0;
        g_autoptr(GError) problem = NULL;
        DlStrokesReadResult result = dl_strokes_reader_next(reader, &drawing, &line, cancellable, &problem);
        if (result == DL_STROKES_READ_END)
            break;
        if (result == DL_STROKES_READ_FAILED) {
            dl_drawing_clear(&drawing);
            imported_free(imported);
            g_task_return_error(task, g_steal_pointer(&problem));
            return;
        }
        if (result == DL_STROKES_READ_BAD_LINE) {
            imported->report.bad_lines++;
            if (imported->report.first_problem == NULL)
                /* TRANSLATORS: a line of an imported file that is no drawing */
                imported->report.first_problem = g_strdup_printf(_("line %u: %s"), line, problem->message);
            continue;
        }
        DlDrawingItem *item = item_new_take(&drawing, NULL);
        dl_drawing_clear(&drawing);
        if (item == NULL)
            imported->report.unlabelled++;
        else
            g_ptr_array_add(imported->items, item);
    }
    g_task_return_pointer(task, imported, imported_free);
}

void
dl_collection_import_async(DlCollection *self, GFile *file, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(DL_IS_COLLECTION(self));
    g_return_if_fail(G_IS_FILE(file));

    g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(task, dl_collection_import_async);
    g_task_set_name(task, "[digitlab] import drawings");
    g_task_set_task_data(task, g_object_ref(file), g_object_unref);
    g_task_run_in_thread(task, import_thread);
}

gboolean
dl_collection_import_finish(DlCollection *self, GAsyncResult *result, DlImportReport *report, GError **error)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), FALSE);
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    g_return_val_if_fail(report != NULL, FALSE);

    memset(report, 0, sizeof *report);
    Imported *imported = g_task_propagate_pointer(G_TASK(result), error);
    if (imported == NULL)
        return FALSE;
    *report = imported->report;
    memset(&imported->report, 0, sizeof imported->report);

    /* Drawings already here, or twice in the file, are left out. */
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func(g_object_unref);
    g_autoptr(GString) lines = g_string_new(NULL);
    for (guint i = 0; i < imported->items->len; i++) {
        DlDrawingItem *item = imported->items->pdata[i];
        if (g_hash_table_contains(self->by_key, item->key) || g_hash_table_contains(seen, item->key)) {
            report->duplicates++;
            continue;
        }
        g_hash_table_add(seen, item->key);
        g_ptr_array_add(fresh, g_object_ref(item));
        g_autofree char *line = dl_drawing_to_line(&item->drawing);
        g_string_append(lines, line);
        g_string_append_c(lines, '\n');
    }

    gboolean ok = TRUE;
    if (fresh->len > 0) {
        ok = check_writable(self, error) && append_lines(self, lines->str, lines->len, error);
        if (ok) {
            guint at = self->items->len;
            DlDrawingItem *first = fresh->pdata[0];
            g_ptr_array_extend_and_steal(first->kept, g_ptr_array_ref(self->kept_tail));
            g_ptr_array_set_size(self->kept_tail, 0);
            for (guint i = 0; i < fresh->len; i++) {
                g_ptr_array_add(self->items, g_object_ref(fresh->pdata[i]));
                index_add(self, fresh->pdata[i]);
            }
            report->added = fresh->len;
            g_list_model_items_changed(G_LIST_MODEL(self), at, 0, fresh->len);
        }
    }
    imported_free(imported);
    if (!ok)
        dl_import_report_clear(report);
    return ok;
}

/* ---- for the evaluation ---- */

DlTestSet *
dl_collection_make_test_set(DlCollection *self, const guint *positions, guint n)
{
    g_return_val_if_fail(DL_IS_COLLECTION(self), NULL);

    if (positions == NULL)
        n = self->items->len;
    if (n == 0)
        return NULL;
    /* Freed by nn_dataset_free(), with free(). */
    NnDataset dataset = { .count = (int)n, .images = malloc((size_t)n * NN_IMAGE_PIXELS), .labels = malloc(n) };
    if (dataset.images == NULL || dataset.labels == NULL) {
        nn_dataset_free(&dataset);
        return NULL;
    }
    for (guint i = 0; i < n; i++) {
        guint at = positions != NULL ? MIN(positions[i], self->items->len - 1) : i;
        DlDrawingItem *item = self->items->pdata[at];
        memcpy(dataset.images + (size_t)i * NN_IMAGE_PIXELS, item->pixels, NN_IMAGE_PIXELS);
        dataset.labels[i] = (uint8_t)item->drawing.label;
    }
    return dl_test_set_new_take(&dataset);
}
