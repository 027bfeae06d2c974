/*
 * `wakecert retention ...`: the retention subcommands (certify a voice-history store, serve a store
 * over the exec: protocol). The main CLI dispatches here with argv[0] == "retention"; until then the
 * `wakecert-retention` executable calls it directly.
 */
#ifndef WAKECERT_RETENTION_COMMAND_H
#define WAKECERT_RETENTION_COMMAND_H

/** Run `retention <subcommand> ...`. Returns the process exit code: 0 all requirements pass, 1 some
 *  fail, 2 bad usage or input (message on stderr naming the file and field), 3 internal error. */
int wakecert_retention_main(int argc, char **argv);

#endif
