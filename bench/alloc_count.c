/*
 * A counting allocator for wakecert-bench-alloc: malloc, calloc, realloc, free and the aligned
 * allocators are replaced (glibc documents this: "Replacing malloc") by versions that forward to
 * glibc's own (__libc_malloc and friends) and, while counting is switched on, count every allocation
 * and track the live heap bytes (by malloc_usable_size, the same measure on allocation and on free)
 * and their peak.
 *
 * Linked into an executable (exported with -rdynamic), these definitions come first in the global
 * symbol scope, so they also serve every library the executable loads later — in particular an
 * engine plugin opened with dlopen, whose allocations are exactly what is being measured. No
 * LD_PRELOAD is needed, and nothing else in wakecert is affected: only wakecert-bench-alloc links it.
 *
 * Counting is off until alloc_count_start(); counters are atomics, so an engine with threads of its
 * own is counted too (the ABI forbids calling back from them, not having them). Blocks allocated
 * before start and freed while counting make the live figure dip below zero; the peak is taken
 * relative to start, which is what "the heap this instance needs" means.
 */
#define _GNU_SOURCE
#include "alloc_count.h"

#include <errno.h>
#include <malloc.h>
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);

static int counting;
static long long allocations, live_bytes, peak_bytes;

static void count_allocation(void *pointer)
{
    if (!pointer || !__atomic_load_n(&counting, __ATOMIC_RELAXED))
        return;
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    long long live = __atomic_add_fetch(&live_bytes, (long long)malloc_usable_size(pointer), __ATOMIC_RELAXED);
    long long peak = __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED);
    while (live > peak && !__atomic_compare_exchange_n(&peak_bytes, &peak, live, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static void count_free(void *pointer)
{
    if (pointer && __atomic_load_n(&counting, __ATOMIC_RELAXED))
        __atomic_sub_fetch(&live_bytes, (long long)malloc_usable_size(pointer), __ATOMIC_RELAXED);
}

void *malloc(size_t size)
{
    void *pointer = __libc_malloc(size);
    count_allocation(pointer);
    return pointer;
}

void *calloc(size_t count, size_t size)
{
    void *pointer = __libc_calloc(count, size);
    count_allocation(pointer);
    return pointer;
}

void *realloc(void *pointer, size_t size)
{
    count_free(pointer);
    void *moved = __libc_realloc(pointer, size);
    if (moved || size == 0)
        count_allocation(moved);
    else
        count_allocation(pointer); /* failed: the old block is still live */
    return moved;
}

void free(void *pointer)
{
    count_free(pointer);
    __libc_free(pointer);
}

void *memalign(size_t alignment, size_t size)
{
    void *pointer = __libc_memalign(alignment, size);
    count_allocation(pointer);
    return pointer;
}

void *aligned_alloc(size_t alignment, size_t size)
{
    return memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
        return EINVAL;
    void *pointer = memalign(alignment, size);
    if (!pointer)
        return ENOMEM;
    *out = pointer;
    return 0;
}

void alloc_count_start(void)
{
    __atomic_store_n(&allocations, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&live_bytes, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&peak_bytes, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&counting, 1, __ATOMIC_SEQ_CST);
}

void alloc_count_stop(void)
{
    __atomic_store_n(&counting, 0, __ATOMIC_SEQ_CST);
}

struct alloc_counts alloc_count_read(void)
{
    struct alloc_counts counts = {__atomic_load_n(&allocations, __ATOMIC_RELAXED),
                                  __atomic_load_n(&live_bytes, __ATOMIC_RELAXED),
                                  __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED)};
    return counts;
}
