/* `vitrine`: subcommand dispatch. Each subcommand parses its own flags on top
 * of the shared configuration keys (app/config.h). */
#include <glib-unix.h>
#include <glib.h>
#include <locale.h>
#include <stdio.h>

#include "build-config.h"
#include "app/serve.h"
#include "app/token-cmd.h"
#include "media/client.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *about;
} Command;

static const Command commands[] = {
    {"serve", vt_serve_main, "run the service: signaling, web app, health and metrics"},
    {"token", vt_token_cmd_main, "print a signed join token"},
    {"client", vt_client_main,
     "join a room as a WebRTC client and report what it sent and received"},
};

static int usage(FILE *out)
{
  fprintf(out, "Usage: vitrine COMMAND [OPTIONS]\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].about);
  fprintf(out, "\n'vitrine COMMAND --help' lists a command's options.\n"
               "'vitrine --version' prints the version.\n");
  return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  if (argc < 2)
    return usage(stderr);
  if (g_str_equal(argv[1], "--version") || g_str_equal(argv[1], "version")) {
    printf("vitrine %s\n", VT_VERSION);
    return 0;
  }
  if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h") ||
      g_str_equal(argv[1], "help"))
    return usage(stdout);
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    if (g_str_equal(argv[1], commands[i].name))
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "vitrine: unknown command '%s'\n\n", argv[1]);
  return usage(stderr);
}
