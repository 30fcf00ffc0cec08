/* main.c — sets up gettext and runs the application. */
#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <locale.h>

#include "dl-application.h"

int
main(int argc, char *argv[])
{
    g_autoptr(DlApplication) app = NULL;

    setlocale(LC_ALL, "");
    /* Numbers we write to files (CSV, JSON) use a dot whatever the locale;
     * GTK would otherwise set the whole locale again in gtk_init(). */
    setlocale(LC_NUMERIC, "C");
    gtk_disable_setlocale();
    bindtextdomain(GETTEXT_PACKAGE, DIGITLAB_LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    app = dl_application_new();
    return g_application_run(G_APPLICATION(app), argc, argv);
}
