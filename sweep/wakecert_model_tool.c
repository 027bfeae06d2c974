/*
 * wakecert-model: runs `train` and `sweep` stand-alone (the same entry points cli/main.c dispatches
 * as `wakecert train` and `wakecert sweep`), so the classifier work can be used before and without
 * the main binary. Usage: wakecert-model train|sweep [options]; exit codes are the command's.
 */
#include "sweep.h"
#include "train.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "train") == 0)
        return wakecert_train_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "sweep") == 0)
        return wakecert_sweep_main(argc - 1, argv + 1);
    fprintf(stderr, "usage: wakecert-model train|sweep [options]   (--help after the command for its options)\n");
    return 2;
}
