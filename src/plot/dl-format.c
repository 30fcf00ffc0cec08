/* dl-format.c — numbers written for people. */
#include "dl-format.h"

#include <glib/gi18n.h>
#include <string.h>

char *
dl_format_count(guint64 n)
{
    /* TRANSLATORS: between groups of three digits, as in 10,000. The app
     * writes decimals with a point in every language, so a language whose
     * separator would be a point should take a narrow space (U+202F). */
    const char *separator = C_("thousands separator", ",");
    g_autofree char *digits = g_strdup_printf("%" G_GUINT64_FORMAT, n);
    size_t len = strlen(digits);
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            g_string_append(s, separator);
        g_string_append_c(s, digits[i]);
    }
    return g_string_free(s, FALSE);
}
