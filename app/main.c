/* Placeholder entry point, replaced by the subcommand dispatcher. */
#include <stdio.h>
#include "app/build-config.h"
int main(void) { puts("vitrine " VT_VERSION); return 0; }
