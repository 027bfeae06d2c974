/*
 * A stand-in for `wakecert report` used by the tests until (and besides) cli/main.c dispatching it:
 * `report_tool report RESULTS.json [options]` runs wakecert_report_main with argv[0] == "report".
 */
#include "report_command.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "report") != 0) {
        fprintf(stderr, "usage: report_tool report RESULTS.json [options]\n");
        return 2;
    }
    return wakecert_report_main(argc - 1, argv + 1);
}
