/*
 * Hostile engines for the isolation tests: the reference engine (through the mutant wrapper) that,
 * once it has heard `HOSTILE_AFTER_SAMPLES` of audio in a file, does one thing a harness must survive:
 * crash, abort, hang, exhaust memory, open a socket, write a file, or fork. Each is its own plugin.
 */
#ifndef WAKECERT_TESTS_HOSTILE_BASE_H
#define WAKECERT_TESTS_HOSTILE_BASE_H

#define HOSTILE_AFTER_SAMPLES (16000 * 2) /* 2 s into each file */

#endif
