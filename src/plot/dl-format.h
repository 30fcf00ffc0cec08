/* dl-format.h — numbers written for people, shared by the plots, the
 * reports, the run folders and the app. GLib only: no Cairo. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A count with its thousands grouped: "10,000" ("10 000" in German, whose
 * decimals the app writes with a point too). Free with g_free(). */
char *dl_format_count(guint64 n);

G_END_DECLS
