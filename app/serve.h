/* `vitrine serve`: the whole service in one process. */
#pragma once

int vt_serve_main(int argc, char **argv);
