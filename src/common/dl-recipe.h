/* dl-recipe.h — what a model's recipe (meta.recipe: how it was trained,
 * the command line and each later stage after "; then ") says. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How many of the last MNIST training images no stage of a model's recipe
 * trained on (`train --calibrate N`, kept by a fine-tuning "holding out the
 * last N MNIST images"), or 0 if it cannot tell. */
int dl_recipe_held_out(const char *recipe);

G_END_DECLS
