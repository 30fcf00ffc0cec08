/* dl-renderer.h — keeps GTK off a software OpenGL renderer.
 *
 * GTK 4.8 draws with OpenGL whenever a GL context can be made, even when
 * that context is Mesa's llvmpipe, which rasterises on the CPU: in a virtual
 * machine, under Xvfb, or on a laptop without its GPU driver. There every
 * frame costs tens of milliseconds of CPU, taken from training (the 1-minute
 * demo took 65-84 s in the app instead of the CLI's 36 s, with the two
 * llvmpipe threads using half a core). GTK itself stopped choosing GPU
 * renderers on llvmpipe in 4.13.8 (commit 6c4739a, "gsk: Don't use gpu
 * renderers with llvmpipe"); before that version this does the same, by
 * asking for the Cairo renderer, unless GSK_RENDERER says otherwise.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Call once the display is open and before any window is realised (the
 * application's startup). Returns TRUE when it chose the Cairo renderer. */
gboolean dl_renderer_avoid_software_gl(void);

G_END_DECLS
