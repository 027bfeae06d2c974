/*
 * Run-time CPU dispatch level, read once. Kernels keep a plain C version (level C) always built and
 * SIMD variants in their own files; each object records the level it was created with and indexes a
 * const table of function pointers by it. WAKECERT_ARCH=c|sse2|avx2|avx512 forces a lower level (a
 * higher one than the CPU has is clamped), so tests and benches can exercise every variant on one
 * machine. valgrind's emulated CPU reports no AVX-512, so dispatch falls back by itself under it.
 */
#ifndef WAKECERT_COMMON_CPU_H
#define WAKECERT_COMMON_CPU_H

enum wakecert_cpu_level {
    WAKECERT_CPU_C = 0,
    WAKECERT_CPU_SSE2 = 1,
    WAKECERT_CPU_AVX2 = 2,   /* AVX2 + FMA */
    WAKECERT_CPU_AVX512 = 3, /* AVX-512F */
    WAKECERT_CPU_LEVEL_COUNT = 4,
};

/** The best level this CPU supports (ignores WAKECERT_ARCH). Cannot fail. */
enum wakecert_cpu_level wakecert_cpu_supported_level(void);

/** The level to use: the supported level, lowered by WAKECERT_ARCH if set. Computed once; thread-safe. */
enum wakecert_cpu_level wakecert_cpu_level(void);

/** "c", "sse2", "avx2", "avx512". */
const char *wakecert_cpu_level_name(enum wakecert_cpu_level level);

/** Parse a level name; returns -1 if unknown. */
int wakecert_cpu_level_parse(const char *name);

/** The CPU model string (from /proc/cpuinfo or cpuid), or "unknown". */
const char *wakecert_cpu_model(void);

#endif
