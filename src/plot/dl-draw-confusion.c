/* dl-draw-confusion.c — the confusion matrix with per-class metrics. */
#include <glib/gi18n.h>
#include <math.h>

#include "draw-private.h"

#define N DL_DRAW_CLASSES

/* Where everything goes, from the size and style only (not the counts), so
 * that dl_draw_confusion_hit() finds the cells drawn. */
typedef struct {
    double font;           /* style->font_size */
    double title_h, line_h;
    double subtitle_y;
    double caption_y;      /* "Predicted digit" */
    double col_label_y;    /* the digits above the columns */
    double grid_left, grid_top, cell;
    double row_label_right;
    double row_caption_x;  /* "True digit", rotated */
    double table_font;     /* the metrics beside the rows */
    double table_right[3]; /* right edges of the three columns */
    double number_font;    /* the counts in the cells; 0 = too small to show */
    double left;           /* of the whole block, centred in the width */
    double note_y, note_width;
} Layout;

static const char *
table_header(int column)
{
    switch (column) {
    case 0:
        return _("Images");
    case 1:
        return _("Accuracy");
    default:
        return _("Precision");
    }
}

static const char *
note_text(void)
{
    return _("Rows are the true digits, columns the digits read. Shading is a cell’s share of its row: "
             "blue on the diagonal (read correctly), orange for errors, darkest for the most frequent "
             "confusion. Accuracy: the share of a digit’s images read correctly (its recall). "
             "Precision: the share of the images read as a digit that really are it.");
}

/* The width of the three metric columns at the table font, with the spacing
 * before each one; the sum goes into *total. */
static void
table_widths(DrawText *t, double table_font, double gap, double widths[3], double *total)
{
    static const char *samples[3] = { "00000", "100.0 %", "100.0 %" };
    *total = 0.0;
    draw_text_set_cell_size(t, table_font);
    for (int c = 0; c < 3; c++) {
        double w, h;
        draw_text_set(t, table_header(c), DRAW_FONT_CELL, &w, &h);
        widths[c] = w;
        draw_text_set(t, samples[c], DRAW_FONT_CELL, &w, &h);
        widths[c] = MAX(widths[c], w);
        *total += gap + widths[c];
    }
}

static void
layout_compute(DrawText *t, double width, double height, const DlDrawStyle *style, Layout *L)
{
    double f = style->font_size, w, h;
    L->font = f;
    double gap = 0.5 * f;

    draw_text_set(t, _("Confusion matrix"), DRAW_FONT_TITLE, &w, &L->title_h);
    draw_text_set(t, "0", DRAW_FONT_LABEL, &w, &L->line_h);
    double digit_w = w;
    L->subtitle_y = L->title_h;
    L->caption_y = L->subtitle_y + L->line_h + gap;
    L->col_label_y = L->caption_y + L->line_h;
    L->grid_top = L->col_label_y + L->line_h + 0.25 * f;

    L->note_width = MAX(width, 1.0);
    double note_h;
    draw_text_set_wrapped(t, note_text(), DRAW_FONT_NOTE, L->note_width, &w, &note_h);

    /* Left of the grid: the rotated caption, the row digits. */
    double row_caption_w = L->line_h;
    double grid_offset = row_caption_w + 0.4 * f + digit_w + 0.4 * f;

    /* Two passes: the table's text shrinks with the rows when they are
     * lower than a line, which leaves more width for the grid. */
    double widths[3], table_w;
    L->table_font = f;
    double cell = 0.0;
    for (int pass = 0; pass < 2; pass++) {
        table_widths(t, L->table_font, f, widths, &table_w);
        double avail_w = width - grid_offset - table_w - 0.5 * f;
        double avail_h = height - L->grid_top - gap - note_h;
        cell = floor(MAX(MIN(avail_w, avail_h), (double)N) / N);
        double fit = floor(cell / 1.35 * 2.0) / 2.0; /* table text in rows of `cell` */
        if (fit >= L->table_font)
            break;
        L->table_font = MAX(fit, 1.0);
    }
    L->cell = cell;

    double block_w = grid_offset + N * cell + table_w;
    L->left = MAX(0.0, floor((width - block_w) / 2.0));
    L->row_caption_x = L->left;
    L->row_label_right = L->left + row_caption_w + 0.4 * f + digit_w;
    L->grid_left = L->left + grid_offset;
    double x = L->grid_left + N * cell;
    for (int c = 0; c < 3; c++) {
        x += f + widths[c];
        L->table_right[c] = x;
    }
    L->note_y = L->grid_top + N * cell + gap;

    /* The widest count, "0000", fits in a cell with a little room. */
    draw_text_set_cell_size(t, f);
    draw_text_set(t, "0000", DRAW_FONT_CELL, &w, &h);
    double fit = f * MIN(1.0, 0.86 * cell / w);
    L->number_font = fit >= 5.0 ? fit : 0.0;
}

gboolean
dl_draw_confusion_hit(double width, double height, const DlDrawStyle *style, double x, double y,
                      int *row, int *col)
{
    if (row != NULL)
        *row = -1;
    if (col != NULL)
        *col = -1;
    g_return_val_if_fail(style != NULL, FALSE);

    DrawText t;
    Layout L;
    draw_text_init(&t, style);
    layout_compute(&t, width, height, style, &L);
    draw_text_clear(&t);

    double c = floor((x - L.grid_left) / L.cell), r = floor((y - L.grid_top) / L.cell);
    if (!(c >= 0 && c < N && r >= 0 && r < N))
        return FALSE;
    if (row != NULL)
        *row = (int)r;
    if (col != NULL)
        *col = (int)c;
    return TRUE;
}

/* Ink that reads on a cell of colour c at alpha a over the background. */
static DlColor
ink_on(const DlDrawStyle *style, const DlColor *c, double a)
{
    const DlColor *bg = &style->background;
    DlColor mixed = { bg->red + (c->red - bg->red) * a, bg->green + (c->green - bg->green) * a,
                      bg->blue + (c->blue - bg->blue) * a, 1.0 };
    if (draw_luminance(&mixed) < 0.5)
        return (DlColor){ 1.0, 1.0, 1.0, 1.0 };
    return (DlColor){ 0.1, 0.1, 0.1, 1.0 };
}

static void
format_share(int part, int whole, char *buf, size_t size)
{
    if (whole <= 0)
        g_strlcpy(buf, "–", size);
    else
        g_snprintf(buf, size, "%.1f %%", 100.0 * part / whole);
}

void
dl_draw_confusion(cairo_t *cr, double width, double height, const int confusion[N][N],
                  const DlDrawStyle *style, int highlight_row, int highlight_col)
{
    g_return_if_fail(cr != NULL && confusion != NULL && style != NULL);

    DrawText t;
    Layout L;
    draw_text_init(&t, style);
    layout_compute(&t, width, height, style, &L);

    int row_sum[N] = { 0 }, col_sum[N] = { 0 }, total = 0, correct = 0;
    double max_error = 0.0;
    for (int r = 0; r < N; r++) {
        for (int c = 0; c < N; c++) {
            row_sum[r] += confusion[r][c];
            col_sum[c] += confusion[r][c];
        }
        total += row_sum[r];
        correct += confusion[r][r];
    }
    for (int r = 0; r < N; r++)
        for (int c = 0; c < N; c++)
            if (r != c && row_sum[r] > 0)
                max_error = MAX(max_error, (double)confusion[r][c] / row_sum[r]);

    cairo_save(cr);
    draw_background(cr, width, height, style);
    const DlColor *fg = &style->foreground;
    double w, h;

    /* Title and summary. */
    draw_text_set(&t, _("Confusion matrix"), DRAW_FONT_TITLE, &w, &h);
    draw_set_color(cr, fg, 1.0);
    draw_text_show(cr, &t, L.left, 0);
    char summary[128];
    if (total > 0) {
        char share[32];
        format_share(correct, total, share, sizeof share);
        g_autofree char *count = dl_format_count(total);
        int errors = total - correct;
        g_snprintf(summary, sizeof summary,
                   g_dngettext(NULL, "%s images, %s read correctly (%d error)",
                               "%s images, %s read correctly (%d errors)", errors),
                   count, share, errors);
    } else {
        g_strlcpy(summary, _("No images evaluated"), sizeof summary);
    }
    draw_text_set(&t, summary, DRAW_FONT_LABEL, &w, &h);
    draw_set_color(cr, fg, draw_alpha(style, 0.75));
    draw_text_show(cr, &t, L.left, L.subtitle_y);

    /* Captions. */
    double grid_w = N * L.cell;
    draw_text_set(&t, _("Predicted digit"), DRAW_FONT_LABEL, &w, &h);
    draw_set_color(cr, fg, draw_alpha(style, 0.6));
    draw_text_show(cr, &t, L.grid_left + (grid_w - w) / 2.0, L.caption_y);
    draw_text_set(&t, _("True digit"), DRAW_FONT_LABEL, &w, &h);
    cairo_save(cr);
    cairo_translate(cr, L.row_caption_x, L.grid_top + (grid_w + w) / 2.0);
    cairo_rotate(cr, -G_PI / 2);
    draw_text_show(cr, &t, 0, 0);
    cairo_restore(cr);

    /* Digits along both edges; a highlighted one at full strength. */
    for (int k = 0; k < N; k++) {
        char digit[4];
        g_snprintf(digit, sizeof digit, "%d", k);
        draw_text_set(&t, digit, DRAW_FONT_LABEL, &w, &h);
        draw_set_color(cr, fg, k == highlight_col ? 1.0 : draw_alpha(style, 0.7));
        draw_text_show(cr, &t, L.grid_left + (k + 0.5) * L.cell - w / 2.0, L.col_label_y);
        draw_set_color(cr, fg, k == highlight_row ? 1.0 : draw_alpha(style, 0.7));
        draw_text_show(cr, &t, L.row_label_right - w, L.grid_top + (k + 0.5) * L.cell - h / 2.0);
    }

    /* The cells. */
    if (L.number_font > 0.0)
        draw_text_set_cell_size(&t, L.number_font);
    for (int r = 0; r < N; r++) {
        for (int c = 0; c < N; c++) {
            double x = L.grid_left + c * L.cell, y = L.grid_top + r * L.cell;
            int n = confusion[r][c];
            double share = row_sum[r] > 0 ? (double)n / row_sum[r] : 0.0;
            const DlColor *hue = r == c ? &style->training : &style->validation;
            double a = 0.0;
            if (n > 0)
                a = r == c ? 0.1 + 0.8 * share : 0.12 + 0.78 * share / max_error;
            if (a > 0.0) {
                draw_set_color(cr, hue, a);
                cairo_rectangle(cr, x, y, L.cell, L.cell);
                cairo_fill(cr);
            }
            if (L.number_font <= 0.0)
                continue;
            char count[16];
            g_snprintf(count, sizeof count, "%d", n);
            DlColor ink = ink_on(style, hue, a);
            if (n == 0)
                ink = *fg;
            draw_text_set(&t, n > 0 ? count : "·", DRAW_FONT_CELL, &w, &h);
            draw_set_color(cr, &ink, n > 0 ? 1.0 : draw_alpha(style, 0.35));
            draw_text_show(cr, &t, x + (L.cell - w) / 2.0, y + (L.cell - h) / 2.0);
        }
    }

    /* Grid lines. */
    cairo_set_line_width(cr, 1.0);
    draw_set_color(cr, fg, draw_alpha(style, 0.12));
    for (int k = 0; k <= N; k++) {
        double p = k * L.cell;
        cairo_move_to(cr, L.grid_left + p, L.grid_top);
        cairo_line_to(cr, L.grid_left + p, L.grid_top + grid_w);
        cairo_move_to(cr, L.grid_left, L.grid_top + p);
        cairo_line_to(cr, L.grid_left + grid_w, L.grid_top + p);
    }
    cairo_stroke(cr);

    /* The metrics beside each row, under their headers. */
    draw_text_set_cell_size(&t, L.table_font);
    for (int c = 0; c < 3; c++) {
        draw_text_set(&t, table_header(c), DRAW_FONT_CELL, &w, &h);
        draw_set_color(cr, fg, draw_alpha(style, 0.6));
        draw_text_show(cr, &t, L.table_right[c] - w, L.col_label_y + L.line_h - h);
    }
    for (int r = 0; r < N; r++) {
        char cells[3][32];
        g_snprintf(cells[0], sizeof cells[0], "%d", row_sum[r]);
        format_share(confusion[r][r], row_sum[r], cells[1], sizeof cells[1]);
        format_share(confusion[r][r], col_sum[r], cells[2], sizeof cells[2]);
        for (int c = 0; c < 3; c++) {
            draw_text_set(&t, cells[c], DRAW_FONT_CELL, &w, &h);
            draw_set_color(cr, fg, r == highlight_row ? 1.0 : draw_alpha(style, 0.85));
            draw_text_show(cr, &t, L.table_right[c] - w, L.grid_top + (r + 0.5) * L.cell - h / 2.0);
        }
    }

    /* The highlight: a cell, a row or a column, outlined. */
    if (highlight_row >= 0 || highlight_col >= 0) {
        double x = L.grid_left, y = L.grid_top, hw = grid_w, hh = grid_w;
        if (highlight_row >= 0 && highlight_row < N) {
            y = L.grid_top + highlight_row * L.cell;
            hh = L.cell;
        }
        if (highlight_col >= 0 && highlight_col < N) {
            x = L.grid_left + highlight_col * L.cell;
            hw = L.cell;
        }
        double lw = MAX(2.0, L.font / 6.0);
        cairo_set_line_width(cr, lw);
        draw_set_color(cr, fg, 1.0);
        cairo_rectangle(cr, x + lw / 2, y + lw / 2, hw - lw, hh - lw);
        cairo_stroke(cr);
    }

    /* What it all means. */
    draw_text_set_wrapped(&t, note_text(), DRAW_FONT_NOTE, L.note_width, &w, &h);
    draw_set_color(cr, fg, draw_alpha(style, 0.6));
    draw_text_show(cr, &t, 0, L.note_y);

    cairo_restore(cr);
    draw_text_clear(&t);
}
