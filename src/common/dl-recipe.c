/* dl-recipe.c — see dl-recipe.h. */
#include "dl-recipe.h"

#include <stdlib.h>
#include <string.h>

#include "verdict.h"

/* The number after `key` in text (key ends in a space or '='), or -1. */
static int
number_after(const char *text, const char *key)
{
    const char *at = strstr(text, key);
    if (at == NULL)
        return -1;
    char *end;
    long n = strtol(at + strlen(key), &end, 10);
    return end == at + strlen(key) || n < 0 || n > 1000000000 ? -1 : (int)n;
}

/* A recipe as long as the model keeps (1023 bytes) may have lost a stage
 * at its end: 0. */
int
dl_recipe_held_out(const char *recipe)
{
    if (recipe == NULL || strlen(recipe) >= 1023)
        return 0;
    g_auto(GStrv) stages = g_strsplit(recipe, "; then ", -1);
    int held = -1;
    for (int i = 0; stages[i] != NULL; i++) {
        int n = i == 0 ? number_after(stages[i], " --calibrate ") : number_after(stages[i], "holding out the last ");
        if (i == 0 && n < 0)
            n = number_after(stages[i], " --calibrate=");
        if (n <= 0)
            return 0;
        held = held < 0 || n < held ? n : held;
    }
    return held < 0 ? 0 : held;
}

int
dl_recipe_held_out_to_recalibrate(const char *recipe, int count)
{
    int held = dl_recipe_held_out(recipe);
    return held >= NN_CALIBRATE_MIN_IMAGES && held < count ? held : 0;
}
