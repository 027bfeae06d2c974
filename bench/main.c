/*
 * wakecert-bench: the benchmark runnable on its own, until (and beside) `wakecert bench`.
 */
#include "bench.h"

int main(int argc, char **argv)
{
    char name[] = "bench";
    argv[0] = name;
    return wakecert_bench_main(argc, argv);
}
