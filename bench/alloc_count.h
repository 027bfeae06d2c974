/*
 * The counting allocator of wakecert-bench-alloc (alloc_count.c): only that executable links it.
 */
#ifndef WAKECERT_BENCH_ALLOC_COUNT_H
#define WAKECERT_BENCH_ALLOC_COUNT_H

struct alloc_counts {
    long long allocations; /* malloc/calloc/realloc/aligned calls that returned a block, since start */
    long long live_bytes;  /* usable bytes allocated minus freed since start (may be negative) */
    long long peak_bytes;  /* the highest live_bytes since start */
};

/** Zero the counters and start counting. Cannot fail. */
void alloc_count_start(void);
/** Stop counting (counters keep their values). Cannot fail. */
void alloc_count_stop(void);
/** The counters now. Cannot fail. */
struct alloc_counts alloc_count_read(void);

#endif
