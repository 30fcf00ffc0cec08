/* dl-gallery-model.c — test images for a gallery; see dl-gallery-model.h. */
#include "dl-gallery-model.h"

struct _DlGalleryModel {
    GObject parent_instance;

    DlEvaluation *evaluation;
    int row, col;      /* -1, -1: all mistakes */
    guint *indices;
    guint n;
    GPtrArray *items;  /* n slots, NULL until asked for */
};

static void dl_gallery_model_list_model_init(GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(DlGalleryModel, dl_gallery_model, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, dl_gallery_model_list_model_init))

static GType
get_item_type(GListModel *list)
{
    return DL_TYPE_TEST_IMAGE;
}

static guint
get_n_items(GListModel *list)
{
    return DL_GALLERY_MODEL(list)->n;
}

static gpointer
get_item(GListModel *list, guint position)
{
    DlGalleryModel *self = DL_GALLERY_MODEL(list);

    if (position >= self->n)
        return NULL;
    if (g_ptr_array_index(self->items, position) == NULL)
        g_ptr_array_index(self->items, position) = dl_test_image_new(self->evaluation, self->indices[position]);
    return g_object_ref(g_ptr_array_index(self->items, position));
}

static void
dl_gallery_model_list_model_init(GListModelInterface *iface)
{
    iface->get_item_type = get_item_type;
    iface->get_n_items = get_n_items;
    iface->get_item = get_item;
}

static void
dl_gallery_model_finalize(GObject *object)
{
    DlGalleryModel *self = DL_GALLERY_MODEL(object);

    g_ptr_array_unref(self->items);
    g_free(self->indices);
    g_clear_pointer(&self->evaluation, dl_evaluation_unref);
    G_OBJECT_CLASS(dl_gallery_model_parent_class)->finalize(object);
}

static void
dl_gallery_model_class_init(DlGalleryModelClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = dl_gallery_model_finalize;
}

static void
dl_gallery_model_init(DlGalleryModel *self)
{
}

static void
item_free(gpointer item)
{
    if (item != NULL) /* slots never asked for stay NULL */
        g_object_unref(item);
}

static DlGalleryModel *
new_model(DlEvaluation *evaluation, int row, int col, guint *indices, guint n)
{
    DlGalleryModel *self = g_object_new(DL_TYPE_GALLERY_MODEL, NULL);

    self->evaluation = dl_evaluation_ref(evaluation);
    self->row = row;
    self->col = col;
    self->indices = indices;
    self->n = n;
    self->items = g_ptr_array_new_full(n, item_free);
    g_ptr_array_set_size(self->items, (int)n);
    return self;
}

DlGalleryModel *
dl_gallery_model_new_cell(DlEvaluation *evaluation, int row, int col)
{
    g_return_val_if_fail(evaluation != NULL, NULL);
    g_return_val_if_fail(row >= 0 && row < NN_CLASSES && col >= 0 && col < NN_CLASSES, NULL);

    guint n;
    guint *indices = dl_evaluation_get_cell_images(evaluation, row, col, &n);
    return new_model(evaluation, row, col, indices, n);
}

DlGalleryModel *
dl_gallery_model_new_mistakes(DlEvaluation *evaluation)
{
    g_return_val_if_fail(evaluation != NULL, NULL);

    guint n;
    guint *indices = dl_evaluation_get_mistakes(evaluation, &n);
    return new_model(evaluation, -1, -1, indices, n);
}

DlEvaluation *
dl_gallery_model_get_evaluation(DlGalleryModel *self)
{
    g_return_val_if_fail(DL_IS_GALLERY_MODEL(self), NULL);

    return self->evaluation;
}

void
dl_gallery_model_get_cell(DlGalleryModel *self, int *row, int *col)
{
    g_return_if_fail(DL_IS_GALLERY_MODEL(self));

    if (row != NULL)
        *row = self->row;
    if (col != NULL)
        *col = self->col;
}
