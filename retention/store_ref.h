/*
 * The reference voice-history store: a model of a conforming store, exposed through the store ABI
 * (include/wakecert/store.h) so the harness loads it exactly like a vendor's plugin (`--store ref`).
 *
 * It also carries fault switches, used only by the mutation tests: each mutant plugin in
 * retention/tests/ is this store with one fault turned on, and the certification must fail exactly the
 * requirement ids that fault breaks. Keeping the faults inside the reference (each one a single `if`)
 * means a mutant differs from the reference by one decision, not by a re-implementation.
 */
#ifndef WAKECERT_RETENTION_STORE_REF_H
#define WAKECERT_RETENTION_STORE_REF_H

#include <wakecert/store.h>

/** Fault switches for mutation tests (bit flags). 0 is the conforming reference. */
enum store_ref_fault {
    STORE_FAULT_FOUR_MONTHS = 1u << 0,               /* "3 months" deletes after 4 months */
    STORE_FAULT_DONT_SAVE_DROPS_TRANSCRIPTS = 1u << 1, /* "don't save" deletes transcripts at once */
    STORE_FAULT_CROSS_MARKETPLACE = 1u << 2,         /* range/all/voice deletion ignores the marketplace */
    STORE_FAULT_DELETES_ACTIONS = 1u << 3,           /* deleting a recording deletes its action record */
    STORE_FAULT_KEEPS_VOICE_ID = 1u << 4,            /* "don't save" keeps (and still enrols) voice IDs */
    STORE_FAULT_MONTH_END_OVERFLOW = 1u << 5,        /* months added like mktime: 30 Nov + 3M = 2 Mar */
    STORE_FAULT_VOICE_DELETE_ALWAYS = 1u << 6,       /* deletes by voice even when not enabled */
    STORE_FAULT_SKILL_GETS_AUDIO = 1u << 7,          /* hands the audio to skills too */
    STORE_FAULT_KID_SKILL_UNCHECKED = 1u << 8,       /* serves kid skills without parental permission */
};

/** The reference store's table (name "wakecert-reference-store"). Never NULL. */
const struct wakecert_store_table *wakecert_store_reference_table(void);

/** The reference store's table with `faults` (enum store_ref_fault bits) switched on for every store
 *  it opens, named `name`. Returns a pointer to a static table owned by the caller's module (one per
 *  process: a later call overwrites the earlier one). */
const struct wakecert_store_table *store_ref_faulty_table(unsigned faults, const char *name);

/** Parse a fault name ("four_months", ...) into its bit; returns 0 for an unknown name. */
unsigned store_ref_fault_from_name(const char *name);

#endif
