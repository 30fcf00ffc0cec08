/* dl-tile-cursor.c — see dl-tile-cursor.h. */
#include "dl-tile-cursor.h"

static void
update(DlTileCursor *c)
{
    int current = c->hover >= 0 ? c->hover : gtk_widget_has_focus(c->widget) ? c->focus : -1;

    if (current >= c->count)
        current = -1;
    if (current == c->current)
        return;
    c->current = current;
    c->klass->changed(c->widget);
}

void
dl_tile_cursor_set_count(DlTileCursor *c, int count)
{
    c->count = MAX(count, 0);
    c->focus = MIN(c->focus, MAX(c->count - 1, 0));
    if (c->hover >= c->count)
        c->hover = -1;
    update(c);
}

static void
on_motion(GtkEventControllerMotion *controller, double x, double y, DlTileCursor *c)
{
    c->hover = c->count > 0 ? c->klass->tile_at(c->widget, x, y) : -1;
    update(c);
}

static void
on_leave(GtkEventControllerMotion *controller, DlTileCursor *c)
{
    c->hover = -1;
    update(c);
}

static void
on_pressed(GtkGestureClick *gesture, int n_press, double x, double y, DlTileCursor *c)
{
    int tile = c->count > 0 ? c->klass->tile_at(c->widget, x, y) : -1;

    if (tile >= 0)
        c->focus = tile;
    gtk_widget_grab_focus(c->widget);
    update(c);
}

static gboolean
on_key_pressed(GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
               DlTileCursor *c)
{
    int columns = MAX(c->klass->columns(c->widget), 1), tile = c->focus, last = c->count - 1;

    if (c->count == 0 || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
        return FALSE;
    switch (keyval) {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
        tile = MAX(tile - 1, 0);
        break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
        tile = MIN(tile + 1, last);
        break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
        if (tile - columns < 0)
            return FALSE; /* on to the widget above */
        tile -= columns;
        break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
        if (tile + columns > last)
            return FALSE;
        tile += columns;
        break;
    case GDK_KEY_Home:
        tile = 0;
        break;
    case GDK_KEY_End:
        tile = last;
        break;
    default:
        return FALSE;
    }
    c->focus = tile;
    c->hover = -1; /* the keyboard takes over */
    update(c);
    return TRUE;
}

static void
on_focus_changed(DlTileCursor *c)
{
    update(c);
}

static gboolean
on_query_tooltip(GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip, DlTileCursor *c)
{
    int tile = keyboard ? (gtk_widget_has_focus(widget) ? c->focus : -1) : c->klass->tile_at(widget, x, y);

    if (tile < 0 || tile >= c->count)
        return FALSE;
    g_autofree char *text = c->klass->describe(widget, tile);
    GdkRectangle rect;
    c->klass->tile_rect(widget, tile, &rect);
    gtk_tooltip_set_text(tooltip, text);
    gtk_tooltip_set_tip_area(tooltip, &rect);
    return TRUE;
}

void
dl_tile_cursor_init(DlTileCursor *c, GtkWidget *widget, const DlTileCursorClass *klass)
{
    c->klass = klass;
    c->widget = widget;
    c->count = 0;
    c->hover = c->current = -1;
    c->focus = 0;
    gtk_widget_set_focusable(widget, TRUE);
    gtk_widget_set_has_tooltip(widget, TRUE);
    g_signal_connect(widget, "query-tooltip", G_CALLBACK(on_query_tooltip), c);

    GtkEventController *motion = gtk_event_controller_motion_new();
    g_signal_connect(motion, "motion", G_CALLBACK(on_motion), c);
    g_signal_connect(motion, "leave", G_CALLBACK(on_leave), c);
    gtk_widget_add_controller(widget, motion);

    GtkGesture *click = gtk_gesture_click_new();
    g_signal_connect(click, "pressed", G_CALLBACK(on_pressed), c);
    gtk_widget_add_controller(widget, GTK_EVENT_CONTROLLER(click));

    GtkEventController *keys = gtk_event_controller_key_new();
    g_signal_connect(keys, "key-pressed", G_CALLBACK(on_key_pressed), c);
    gtk_widget_add_controller(widget, keys);

    GtkEventController *focus = gtk_event_controller_focus_new();
    g_signal_connect_swapped(focus, "enter", G_CALLBACK(on_focus_changed), c);
    g_signal_connect_swapped(focus, "leave", G_CALLBACK(on_focus_changed), c);
    gtk_widget_add_controller(widget, focus);
}
