/* dl-datadir.h — where the MNIST files live.
 *
 * The folder is, in order of precedence: a folder given on the command line
 * (or chosen in the app), $DIGITLAB_DATA, or $XDG_DATA_HOME/digitlab/mnist
 * (~/.local/share/digitlab/mnist by default).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_MNIST_N_FILES 4

/* The four MNIST files, without their ".gz" suffix, in the order the
 * download reports them: training images, training labels, test images,
 * test labels. */
extern const char *const dl_mnist_names[DL_MNIST_N_FILES];

/* Returns the MNIST folder as a newly allocated path: option_dir if it is
 * non-NULL, else $DIGITLAB_DATA if set and non-empty, else
 * g_get_user_data_dir()/digitlab/mnist. The folder need not exist. */
char *dl_data_dir_resolve(const char *option_dir);

/* Whether dir holds all four MNIST files, each either as NAME.gz or as the
 * uncompressed NAME. Only checks that they are regular files; the engine's
 * IDX reader checks their content. */
gboolean dl_data_dir_has_mnist(const char *dir);

/* The MNIST files dir lacks (neither NAME.gz nor NAME is a regular file),
 * as names from dl_mnist_names in their order; a NULL-terminated array
 * (free with g_strfreev), empty when all four are there. */
char **dl_data_dir_missing_mnist(const char *dir);

G_END_DECLS
