/* dl-renderer.c — keeps GTK off a software OpenGL renderer; see dl-renderer.h. */
#include "dl-renderer.h"

#include <epoxy/gl.h>
#include <gtk/gtk.h>
#include <string.h>

/* TRUE for the GL_RENDERER strings of software rasterisers. */
static gboolean
is_software(const char *gl_renderer)
{
    static const char *const software[] = { "llvmpipe", "softpipe", "SWR", "Software Rasterizer" };

    if (gl_renderer == NULL)
        return FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(software); i++)
        if (strstr(gl_renderer, software[i]) != NULL)
            return TRUE;
    return FALSE;
}

gboolean
dl_renderer_avoid_software_gl(void)
{
    if (g_getenv("GSK_RENDERER") != NULL || gtk_check_version(4, 14, 0) == NULL)
        return FALSE;
    GdkDisplay *display = gdk_display_get_default();
    if (display == NULL)
        return FALSE;

    /* No context at all: GTK falls back to Cairo by itself. */
    g_autoptr(GError) error = NULL;
    g_autoptr(GdkGLContext) context = gdk_display_create_gl_context(display, &error);
    if (context == NULL || !gdk_gl_context_realize(context, &error))
        return FALSE;
    gdk_gl_context_make_current(context);
    const char *name = (const char *)glGetString(GL_RENDERER);
    gboolean software = is_software(name);
    g_debug("OpenGL renderer: %s%s", name != NULL ? name : "(unknown)",
            software ? ", a software rasteriser: drawing with Cairo instead" : "");
    gdk_gl_context_clear_current();
    if (software)
        g_setenv("GSK_RENDERER", "cairo", FALSE);
    return software;
}
