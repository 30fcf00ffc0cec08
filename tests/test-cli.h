/* test-cli.h — running digitlab-cli ($DIGITLAB_CLI) from a cmocka test. */
#pragma once

#include <stdarg.h>

#include <gio/gio.h>

/* Runs $DIGITLAB_CLI with the arguments in args (NULL-terminated), feeding
 * stdin_text if non-NULL; *out and *err get what it printed when non-NULL
 * (else it is thrown away). Returns the exit status; a crash fails the test. */
static inline int
test_cli_run(const char *stdin_text, char **out, char **err, const char *const *args)
{
    const char *cli = g_getenv("DIGITLAB_CLI");
    assert_non_null(cli);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)cli);
    for (const char *const *a = args; *a != NULL; a++)
        g_ptr_array_add(argv, (char *)*a);
    g_ptr_array_add(argv, NULL);
    GSubprocessFlags flags = (out != NULL ? G_SUBPROCESS_FLAGS_STDOUT_PIPE : G_SUBPROCESS_FLAGS_STDOUT_SILENCE) |
                             (err != NULL ? G_SUBPROCESS_FLAGS_STDERR_PIPE : G_SUBPROCESS_FLAGS_STDERR_SILENCE) |
                             (stdin_text != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0);
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) proc = g_subprocess_newv((const char *const *)argv->pdata, flags, &error);
    if (proc == NULL)
        fail_msg("cannot run %s: %s", cli, error->message);
    if (!g_subprocess_communicate_utf8(proc, stdin_text, NULL, out, err, &error))
        fail_msg("running %s: %s", cli, error->message);
    assert_true(g_subprocess_get_if_exited(proc));
    return g_subprocess_get_exit_status(proc);
}

/* The same with the arguments listed, then NULL. */
static inline int
test_cli_runv(const char *stdin_text, char **out, char **err, va_list ap)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *))
        g_ptr_array_add(args, (char *)a);
    g_ptr_array_add(args, NULL);
    return test_cli_run(stdin_text, out, err, (const char *const *)args->pdata);
}
