/* digitlab-cli plot — the training plots of a history CSV as PNG, SVG or PDF. */
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "cli.h"
#include "dl-export-file.h"

static const struct {
    const char *name;
    DlPlotKind kind;
} kinds[] = {
    { "accuracy", DL_PLOT_ACCURACY },
    { "loss", DL_PLOT_LOSS },
    { "lr", DL_PLOT_LEARNING_RATE },
    { "learning-rate", DL_PLOT_LEARNING_RATE },
};

#define USAGE "Usage: digitlab-cli plot --history H.csv --out FILE.{png,svg,pdf} [--kind accuracy|loss|lr|all]\n" \
              "       [--width W --height H] [--font-size PX] [--dark] [--high-contrast]\n"

int
cmd_plot(int argc, char **argv)
{
    g_autofree char *history_path = NULL, *out = NULL, *kind_name = NULL;
    int width = 0, height = 0;
    double font_size = 0;
    gboolean dark = FALSE, high_contrast = FALSE;
    const GOptionEntry entries[] = {
        { "history", 0, 0, G_OPTION_ARG_FILENAME, &history_path, "History CSV of 'train --history' (required)", "CSV" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "File to write; .png, .svg or .pdf (required)", "FILE" },
        { "kind", 0, 0, G_OPTION_ARG_STRING, &kind_name, "accuracy, loss, lr or all (the three on one page; default)", "KIND" },
        { "width", 0, 0, G_OPTION_ARG_INT, &width, "Width in pixels (points for PDF and SVG; default 800)", "W" },
        { "height", 0, 0, G_OPTION_ARG_INT, &height, "Height (default 400, or 1100 for all)", "H" },
        { "font-size", 0, 0, G_OPTION_ARG_DOUBLE, &font_size, "Size of axis labels (default: width / 60, 12 to 24)", "PX" },
        { "dark", 0, 0, G_OPTION_ARG_NONE, &dark, "Light text on a dark background", NULL },
        { "high-contrast", 0, 0, G_OPTION_ARG_NONE, &high_contrast, "Stronger colours and lines", NULL },
        { NULL },
    };
    if (!cli_parse_options(&argc, &argv, "", "Draw the training plots of a history CSV.", entries))
        return 2;
    if (history_path == NULL || out == NULL || argc > 1) {
        fprintf(stderr, "plot: %s\n" USAGE,
                argc > 1 ? "unexpected argument" : history_path == NULL ? "--history is required" : "--out is required");
        return 2;
    }

    gboolean all = kind_name == NULL || strcmp(kind_name, "all") == 0;
    DlPlotKind kind = DL_PLOT_ACCURACY;
    if (!all) {
        size_t i = 0;
        while (i < G_N_ELEMENTS(kinds) && strcmp(kind_name, kinds[i].name) != 0)
            i++;
        if (i == G_N_ELEMENTS(kinds)) {
            fprintf(stderr, "plot: unknown --kind '%s': use accuracy, loss, lr or all\n", kind_name);
            return 2;
        }
        kind = kinds[i].kind;
    }
    if (width == 0)
        width = 800;
    if (height == 0)
        height = all ? 1100 : 400;
    if (width < 200 || height < 120 || width > 10000 || height > 10000) {
        fprintf(stderr, "plot: --width must be 200 to 10000 and --height 120 to 10000\n");
        return 2;
    }
    if (font_size == 0)
        font_size = CLAMP(width / 60.0, 12.0, 24.0);
    if (font_size < 4 || font_size > 200) {
        fprintf(stderr, "plot: --font-size must be 4 to 200\n");
        return 2;
    }
    if (!cli_check_picture_path("plot", out, FALSE))
        return 2;

    g_autoptr(DlHistory) history = cli_load_history("plot", history_path);
    if (history == NULL)
        return 1;

    DlDrawStyle style;
    dl_draw_style_init(&style, font_size, dark, high_contrast);
    g_autoptr(GError) error = NULL;
    gboolean ok = all ? dl_export_plots(out, width, height, 1.0, history, &style, &error)
                      : dl_export_plot(out, width, height, 1.0, kind, history, &style, &error);
    if (!ok) {
        fprintf(stderr, "plot: %s\n", error->message);
        return 1;
    }
    return 0;
}
