/*
 * wakecert-retention: a stand-alone entry to `wakecert retention ...` until the main CLI dispatches to
 * wakecert_retention_main. `wakecert-retention certify ...` == `wakecert retention certify ...`.
 */
#include "retention_command.h"

#include <string.h>

int main(int argc, char **argv)
{
    char name[] = "retention";
    argv[0] = name;
    return wakecert_retention_main(argc, argv);
}
