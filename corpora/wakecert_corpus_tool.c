/*
 * wakecert-corpus: a stand-alone front door to `wakecert corpus ...` so corpora/ can be used and
 * tested before (and independently of) the main wakecert executable. Same arguments, same exit codes.
 */
#include "corpus_command.h"

int main(int argc, char **argv)
{
    char corpus_word[] = "corpus";
    argv[0] = corpus_word;
    return wakecert_corpus_main(argc, argv);
}
