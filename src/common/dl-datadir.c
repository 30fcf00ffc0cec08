/* dl-datadir.c — where the MNIST files live. */
#include "dl-datadir.h"

const char *const dl_mnist_names[DL_MNIST_N_FILES] = {
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
};

char *
dl_data_dir_resolve(const char *option_dir)
{
    if (option_dir != NULL)
        return g_strdup(option_dir);

    const char *env = g_getenv("DIGITLAB_DATA");
    if (env != NULL && env[0] != '\0')
        return g_strdup(env);

    return g_build_filename(g_get_user_data_dir(), "digitlab", "mnist", NULL);
}

char **
dl_data_dir_missing_mnist(const char *dir)
{
    GPtrArray *missing = g_ptr_array_new();

    for (int i = 0; i < DL_MNIST_N_FILES; i++) {
        g_autofree char *plain = g_build_filename(dir, dl_mnist_names[i], NULL);
        g_autofree char *gz = g_strconcat(plain, ".gz", NULL);

        if (!g_file_test(gz, G_FILE_TEST_IS_REGULAR) && !g_file_test(plain, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add(missing, g_strdup(dl_mnist_names[i]));
    }
    g_ptr_array_add(missing, NULL);
    return (char **)g_ptr_array_free(missing, FALSE);
}

gboolean
dl_data_dir_has_mnist(const char *dir)
{
    g_auto(GStrv) missing = dl_data_dir_missing_mnist(dir);

    return missing[0] == NULL;
}
