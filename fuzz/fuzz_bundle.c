/*
 * Fuzz target: certification bundles as `wakecert verify-bundle` reads them (conformance/bundle.c):
 * libarchive's gzip and tar readers, then every member — SHA256SUMS lines, results.json, the trace,
 * the profile, the corpus manifest — re-scored and cross-checked. The input is the .tar.gz file. The
 * command's contract is its exit status: 0 (every check holds), 1 (a check failed) or 2 (unreadable),
 * never anything else and never a crash.
 */
#include "fuzz_support.h"

#include "bundle.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", fuzz_path("bundle.tar.gz"));
    fuzz_write(path, data, size);
    char command[] = "verify-bundle", quiet[] = "--quiet";
    char *argv[] = {command, path, quiet, NULL};
    int status = wakecert_verify_bundle_main(3, argv);
    FUZZ_ASSERT(status == 0 || status == 1 || status == 2);
    fflush(stdout);
    return 0;
}
