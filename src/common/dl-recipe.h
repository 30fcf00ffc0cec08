/* dl-recipe.h — what a model's recipe (meta.recipe: how it was trained,
 * the command line and each later stage after "; then ") says. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How many of the last MNIST training images no stage of a model's recipe
 * trained on (`train --calibrate N`, kept by a fine-tuning "holding out the
 * last N MNIST images"), or 0 if it cannot tell. */
int dl_recipe_held_out(const char *recipe);

/* The images a fine-tuning of the model keeps out of its mix, to calibrate
 * the result again on: dl_recipe_held_out(), if that is enough to calibrate
 * on and fewer than the `count` training images there are; else 0. */
int dl_recipe_held_out_to_recalibrate(const char *recipe, int count);

G_END_DECLS
