/* dl-canvas.c — the drawing area. */
#include "dl-canvas.h"

#include <glib/gi18n.h>

/* On-screen pen width, in canvas units (about 5.7 % of the side). */
#define PEN_WIDTH 16.0
/* Points closer than this to the one before are merged (canvas units). */
#define MIN_POINT_DISTANCE 2.0f
/* Matches libadwaita's .card, whose background, shadow and focus ring the
 * canvas wears. */
#define CORNER_RADIUS 12.0f
/* The pencil above the hint on the empty canvas, in pixels. */
#define HINT_ICON_SIZE 48
#define HINT_ICON_SPACING 12

struct _DlCanvas {
    GtkWidget parent_instance;

    DlStrokeSet *strokes;
    GtkGesture *drag;
    double drag_x, drag_y; /* where the drag began, widget coordinates */
    gboolean in_stroke;    /* a drag is drawing the set's open stroke */
    gboolean empty;        /* the value last notified for "empty" */

    /* "changed" during a stroke: at most once per frame, from a tick callback. */
    guint tick_id;
};

G_DEFINE_FINAL_TYPE(DlCanvas, dl_canvas, GTK_TYPE_WIDGET)

enum {
    PROP_0,
    PROP_EMPTY,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
    CHANGED,
    STROKE_FINISHED,
    N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Canvas units to widget coordinates: widget = origin + units * scale. */
typedef struct {
    double scale, x0, y0;
} Mapping;

static Mapping
get_mapping(DlCanvas *self)
{
    double width = gtk_widget_get_width(GTK_WIDGET(self));
    double height = gtk_widget_get_height(GTK_WIDGET(self));
    double side = MIN(width, height);

    if (side <= 0.0)
        return (Mapping){ 1.0, 0.0, 0.0 };
    return (Mapping){ side / DL_CANVAS_SIZE, (width - side) / 2.0, (height - side) / 2.0 };
}

static void
emit_changed(DlCanvas *self)
{
    if (self->tick_id != 0) {
        gtk_widget_remove_tick_callback(GTK_WIDGET(self), self->tick_id);
        self->tick_id = 0;
    }
    g_signal_emit(self, signals[CHANGED], 0);
}

static gboolean
changed_tick(GtkWidget *widget, GdkFrameClock *frame_clock, gpointer user_data)
{
    DlCanvas *self = DL_CANVAS(widget);

    self->tick_id = 0;
    emit_changed(self);
    return G_SOURCE_REMOVE;
}

/* "changed" at the next frame, however many points arrive before it. */
static void
schedule_changed(DlCanvas *self)
{
    if (self->tick_id != 0)
        return;
    if (gtk_widget_get_mapped(GTK_WIDGET(self)))
        self->tick_id = gtk_widget_add_tick_callback(GTK_WIDGET(self), changed_tick, NULL, NULL);
    else
        emit_changed(self);
}

/* After any change: redraw, enable the actions that make sense, notify. */
static void
update_state(DlCanvas *self)
{
    gboolean empty = dl_stroke_set_is_empty(self->strokes);

    gtk_widget_queue_draw(GTK_WIDGET(self));
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "canvas.clear", !empty);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "canvas.undo", !empty);
    if (empty != self->empty) {
        self->empty = empty;
        g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_EMPTY]);
    }
}

/* Adds a pointer position (widget coordinates, kept inside the widget so
 * every point drawn is visible). Returns whether the drawing changed. */
static gboolean
add_widget_point(DlCanvas *self, double x, double y)
{
    Mapping m = get_mapping(self);

    x = CLAMP(x, 0.0, gtk_widget_get_width(GTK_WIDGET(self)));
    y = CLAMP(y, 0.0, gtk_widget_get_height(GTK_WIDGET(self)));
    return dl_stroke_set_add_point(self->strokes, (float)((x - m.x0) / m.scale),
                                   (float)((y - m.y0) / m.scale));
}

/* Ends a stroke in progress without adding to it, so the drag's remaining
 * events are ignored (used when the drawing is cleared or undone mid-stroke). */
static void
abandon_stroke(DlCanvas *self)
{
    if (!self->in_stroke)
        return;
    self->in_stroke = FALSE;
    dl_stroke_set_end_stroke(self->strokes);
    gtk_event_controller_reset(GTK_EVENT_CONTROLLER(self->drag));
}

static void
drag_begin_cb(GtkGestureDrag *gesture, double x, double y, DlCanvas *self)
{
    if (!gtk_widget_has_focus(GTK_WIDGET(self)))
        gtk_widget_grab_focus(GTK_WIDGET(self));

    dl_stroke_set_end_stroke(self->strokes);
    self->drag_x = x;
    self->drag_y = y;
    self->in_stroke = TRUE;
    add_widget_point(self, x, y);
    update_state(self);
    schedule_changed(self);
}

static void
drag_update_cb(GtkGestureDrag *gesture, double dx, double dy, DlCanvas *self)
{
    if (!self->in_stroke)
        return;

    double x = self->drag_x + dx, y = self->drag_y + dy;
    gboolean changed = FALSE;

    /* GTK merges the motion events of one frame into the last one, which
     * keeps the others as its history: draw through them too, or a quick
     * stroke loses its corners. History positions are in the event's
     * coordinates; (x, y) is the event's own position in ours. */
    GtkGestureSingle *single = GTK_GESTURE_SINGLE(gesture);
    GdkEventSequence *sequence = gtk_gesture_single_get_current_sequence(single);
    GdkEvent *event = gtk_gesture_get_last_event(GTK_GESTURE(gesture), sequence);
    double event_x, event_y;
    if (event != NULL && gdk_event_get_event_type(event) == GDK_MOTION_NOTIFY &&
        gdk_event_get_position(event, &event_x, &event_y)) {
        guint n_history = 0;
        g_autofree GdkTimeCoord *history = gdk_event_get_history(event, &n_history);
        for (guint i = 0; i < n_history; i++) {
            if ((history[i].flags & (GDK_AXIS_FLAG_X | GDK_AXIS_FLAG_Y)) !=
                (GDK_AXIS_FLAG_X | GDK_AXIS_FLAG_Y))
                continue;
            changed |= add_widget_point(self, x + history[i].axes[GDK_AXIS_X] - event_x,
                                        y + history[i].axes[GDK_AXIS_Y] - event_y);
        }
    }
    changed |= add_widget_point(self, x, y);

    if (changed) {
        gtk_widget_queue_draw(GTK_WIDGET(self));
        schedule_changed(self);
    }
}

static void
drag_end_cb(GtkGestureDrag *gesture, double dx, double dy, DlCanvas *self)
{
    if (!self->in_stroke)
        return;

    add_widget_point(self, self->drag_x + dx, self->drag_y + dy);
    dl_stroke_set_end_stroke(self->strokes);
    self->in_stroke = FALSE;
    update_state(self);
    emit_changed(self);
    g_signal_emit(self, signals[STROKE_FINISHED], 0);
}

/* Appends the smoothed path of one stroke, in canvas units: quadratic
 * curves through the midpoints of its segments, with the stroke's points as
 * control points (as in most ink renderers); the path still begins and ends
 * at the first and last points. A one-point stroke is a dot. */
static void
append_stroke_path(cairo_t *cr, const NnPoint *p, size_t n)
{
    cairo_move_to(cr, p[0].x, p[0].y);
    if (n <= 2) {
        cairo_line_to(cr, p[n - 1].x, p[n - 1].y);
        return;
    }
    double x = (p[0].x + p[1].x) / 2.0, y = (p[0].y + p[1].y) / 2.0;
    cairo_line_to(cr, x, y);
    for (size_t i = 1; i + 1 < n; i++) {
        double qx = p[i].x, qy = p[i].y; /* control point */
        double ex = i + 2 < n ? (p[i].x + p[i + 1].x) / 2.0 : p[i + 1].x;
        double ey = i + 2 < n ? (p[i].y + p[i + 1].y) / 2.0 : p[i + 1].y;
        /* The quadratic as a cubic: controls 2/3 of the way to q. */
        cairo_curve_to(cr, x + 2.0 / 3.0 * (qx - x), y + 2.0 / 3.0 * (qy - y),
                       ex + 2.0 / 3.0 * (qx - ex), ey + 2.0 / 3.0 * (qy - ey), ex, ey);
        x = ex;
        y = ey;
    }
}

/* The empty canvas: a pencil and "Draw a digit here", faint, centred. */
static void
snapshot_hint(DlCanvas *self, GtkSnapshot *snapshot, const GdkRGBA *fg)
{
    GtkWidget *widget = GTK_WIDGET(self);
    float width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);
    GdkRGBA color = *fg;
    color.alpha *= 0.45f;

    g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout(widget, _("Draw a digit here"));
    PangoAttrList *attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, pango_attr_scale_new(PANGO_SCALE_LARGE));
    pango_layout_set_attributes(layout, attrs);
    pango_attr_list_unref(attrs);
    pango_layout_set_width(layout, (int)(width * 0.9f) * PANGO_SCALE);
    pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
    int text_width, text_height;
    pango_layout_get_pixel_size(layout, &text_width, &text_height);

    /* The icon only where there is room for it. */
    g_autoptr(GtkIconPaintable) icon = NULL;
    GtkIconTheme *theme = gtk_icon_theme_get_for_display(gtk_widget_get_display(widget));
    if (height >= 3.0f * (HINT_ICON_SIZE + text_height))
        icon = gtk_icon_theme_lookup_icon(theme, "document-edit-symbolic", NULL, HINT_ICON_SIZE,
                                          gtk_widget_get_scale_factor(widget),
                                          gtk_widget_get_direction(widget), 0);
    float block = text_height + (icon != NULL ? HINT_ICON_SIZE + HINT_ICON_SPACING : 0.0f);
    float y = floorf((height - block) / 2.0f);

    if (icon != NULL) {
        gtk_snapshot_save(snapshot);
        gtk_snapshot_translate(snapshot,
                               &GRAPHENE_POINT_INIT(floorf((width - HINT_ICON_SIZE) / 2.0f), y));
        gtk_symbolic_paintable_snapshot_symbolic(GTK_SYMBOLIC_PAINTABLE(icon), snapshot,
                                                 HINT_ICON_SIZE, HINT_ICON_SIZE, &color, 1);
        gtk_snapshot_restore(snapshot);
        y += HINT_ICON_SIZE + HINT_ICON_SPACING;
    }

    gtk_snapshot_save(snapshot);
    gtk_snapshot_translate(snapshot, &GRAPHENE_POINT_INIT(floorf(width * 0.05f), y));
    gtk_snapshot_append_layout(snapshot, layout, &color);
    gtk_snapshot_restore(snapshot);
}

static void
dl_canvas_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    DlCanvas *self = DL_CANVAS(widget);
    float width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);
    GdkRGBA ink;

    if (width <= 0 || height <= 0)
        return;
    /* The ink is the text colour of the card: dark on light paper, light on
     * dark paper. */
    gtk_style_context_get_color(gtk_widget_get_style_context(widget), &ink);

    if (dl_stroke_set_is_empty(self->strokes)) {
        snapshot_hint(self, snapshot, &ink);
        return;
    }

    GskRoundedRect clip;
    gsk_rounded_rect_init_from_rect(&clip, &GRAPHENE_RECT_INIT(0, 0, width, height), CORNER_RADIUS);
    gtk_snapshot_push_rounded_clip(snapshot, &clip);

    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
    Mapping m = get_mapping(self);
    cairo_translate(cr, m.x0, m.y0);
    cairo_scale(cr, m.scale, m.scale);
    cairo_set_line_width(cr, PEN_WIDTH);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);

    /* Opaque strokes in a group, then the group with the ink's alpha, so
     * crossing strokes do not look darker where they overlap. */
    cairo_push_group(cr);
    cairo_set_source_rgb(cr, ink.red, ink.green, ink.blue);
    for (size_t s = 0, n_strokes = dl_stroke_set_get_n_strokes(self->strokes); s < n_strokes; s++) {
        size_t n;
        const NnPoint *points = dl_stroke_set_get_stroke(self->strokes, s, &n);
        append_stroke_path(cr, points, n);
    }
    cairo_stroke(cr);
    cairo_pop_group_to_source(cr);
    cairo_paint_with_alpha(cr, ink.alpha);
    cairo_destroy(cr);

    gtk_snapshot_pop(snapshot);
}

static void
dl_canvas_measure(GtkWidget *widget, GtkOrientation orientation, int for_size,
                  int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
    *minimum = 96;
    *natural = (int)DL_CANVAS_SIZE;
}

static void
dl_canvas_css_changed(GtkWidget *widget, GtkCssStyleChange *change)
{
    GTK_WIDGET_CLASS(dl_canvas_parent_class)->css_changed(widget, change);
    /* The ink colour may have changed (light/dark, high contrast). */
    gtk_widget_queue_draw(widget);
}

static void
clear_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    dl_canvas_clear(DL_CANVAS(widget));
}

static void
undo_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
    dl_canvas_undo(DL_CANVAS(widget));
}

static void
dl_canvas_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    DlCanvas *self = DL_CANVAS(object);

    switch (prop_id) {
    case PROP_EMPTY:
        g_value_set_boolean(value, dl_canvas_is_empty(self));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
dl_canvas_dispose(GObject *object)
{
    DlCanvas *self = DL_CANVAS(object);

    if (self->tick_id != 0) {
        gtk_widget_remove_tick_callback(GTK_WIDGET(self), self->tick_id);
        self->tick_id = 0;
    }
    G_OBJECT_CLASS(dl_canvas_parent_class)->dispose(object);
}

static void
dl_canvas_finalize(GObject *object)
{
    DlCanvas *self = DL_CANVAS(object);

    dl_stroke_set_free(self->strokes);
    G_OBJECT_CLASS(dl_canvas_parent_class)->finalize(object);
}

static void
dl_canvas_class_init(DlCanvasClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->get_property = dl_canvas_get_property;
    object_class->dispose = dl_canvas_dispose;
    object_class->finalize = dl_canvas_finalize;

    widget_class->snapshot = dl_canvas_snapshot;
    widget_class->measure = dl_canvas_measure;
    widget_class->css_changed = dl_canvas_css_changed;

    properties[PROP_EMPTY] =
        g_param_spec_boolean("empty", NULL, NULL, TRUE,
                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    signals[CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[STROKE_FINISHED] = g_signal_new("stroke-finished", G_TYPE_FROM_CLASS(klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);

    gtk_widget_class_install_action(widget_class, "canvas.clear", NULL, clear_action);
    gtk_widget_class_install_action(widget_class, "canvas.undo", NULL, undo_action);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "canvas.clear", NULL);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Delete, 0, "canvas.clear", NULL);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_z, GDK_CONTROL_MASK,
                                        "canvas.undo", NULL);

    gtk_widget_class_set_css_name(widget_class, "dl-canvas");
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_canvas_init(DlCanvas *self)
{
    GtkWidget *widget = GTK_WIDGET(self);

    self->strokes = dl_stroke_set_new();
    dl_stroke_set_set_min_distance(self->strokes, MIN_POINT_DISTANCE);
    self->empty = TRUE;

    self->drag = gtk_gesture_drag_new();
    gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(self->drag), GDK_BUTTON_PRIMARY);
    g_signal_connect(self->drag, "drag-begin", G_CALLBACK(drag_begin_cb), self);
    g_signal_connect(self->drag, "drag-update", G_CALLBACK(drag_update_cb), self);
    g_signal_connect(self->drag, "drag-end", G_CALLBACK(drag_end_cb), self);
    gtk_widget_add_controller(widget, GTK_EVENT_CONTROLLER(self->drag));

    gtk_widget_add_css_class(widget, "card");
    gtk_widget_set_focusable(widget, TRUE);
    gtk_widget_set_cursor_from_name(widget, "crosshair");
    gtk_widget_action_set_enabled(widget, "canvas.clear", FALSE);
    gtk_widget_action_set_enabled(widget, "canvas.undo", FALSE);

    gtk_accessible_update_property(GTK_ACCESSIBLE(self),
                                   GTK_ACCESSIBLE_PROPERTY_LABEL, _("Drawing area"),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                   _("Draw a digit with the mouse, a pen or a finger. "
                                     "Ctrl+Z undoes the last stroke, Escape clears the drawing."),
                                   -1);
}

GtkWidget *
dl_canvas_new(void)
{
    return g_object_new(DL_TYPE_CANVAS, NULL);
}

void
dl_canvas_clear(DlCanvas *self)
{
    g_return_if_fail(DL_IS_CANVAS(self));

    abandon_stroke(self);
    if (dl_stroke_set_is_empty(self->strokes))
        return;
    dl_stroke_set_clear(self->strokes);
    update_state(self);
    emit_changed(self);
}

gboolean
dl_canvas_undo(DlCanvas *self)
{
    g_return_val_if_fail(DL_IS_CANVAS(self), FALSE);

    abandon_stroke(self);
    if (!dl_stroke_set_undo(self->strokes))
        return FALSE;
    update_state(self);
    emit_changed(self);
    return TRUE;
}

gboolean
dl_canvas_is_empty(DlCanvas *self)
{
    g_return_val_if_fail(DL_IS_CANVAS(self), TRUE);

    return dl_stroke_set_is_empty(self->strokes);
}

DlStrokeSet *
dl_canvas_get_strokes(DlCanvas *self)
{
    g_return_val_if_fail(DL_IS_CANVAS(self), NULL);

    return self->strokes;
}

void
dl_canvas_add_stroke(DlCanvas *self, const NnPoint *points, size_t n)
{
    g_return_if_fail(DL_IS_CANVAS(self));
    g_return_if_fail(points != NULL || n == 0);

    if (n == 0)
        return;
    abandon_stroke(self);
    dl_stroke_set_add_stroke(self->strokes, points, n);
    update_state(self);
    emit_changed(self);
    g_signal_emit(self, signals[STROKE_FINISHED], 0);
}
