/* main.c — sets up gettext and runs the application. */
#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <locale.h>

#include "dl-application.h"

/* The translations compiled into the build tree (build/po/LANG/LC_MESSAGES)
 * when this is the build tree's digitlab, as dl-settings.c finds the
 * build tree's schema; the installed ones otherwise. */
static const char *
locale_dir(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);

    if (self != NULL && g_str_has_prefix(self, DIGITLAB_BUILD_ROOT G_DIR_SEPARATOR_S))
        return DIGITLAB_BUILD_LOCALEDIR;
    return DIGITLAB_LOCALEDIR;
}

int
main(int argc, char *argv[])
{
    g_autoptr(DlApplication) app = NULL;

    setlocale(LC_ALL, "");
    /* Numbers we write to files (CSV, JSON) use a dot whatever the locale;
     * GTK would otherwise set the whole locale again in gtk_init(). */
    setlocale(LC_NUMERIC, "C");
    gtk_disable_setlocale();
    bindtextdomain(GETTEXT_PACKAGE, locale_dir());
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    app = dl_application_new();
    return g_application_run(G_APPLICATION(app), argc, argv);
}
