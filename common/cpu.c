/*
 * CPU level detection (see cpu.h). Uses GCC's __builtin_cpu_supports, which reads cpuid and checks
 * the OS saves the wider registers (XGETBV), so AVX is only reported where it is usable.
 */
#define _POSIX_C_SOURCE 200809L
#include "cpu.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const level_names[WAKECERT_CPU_LEVEL_COUNT] = {"c", "sse2", "avx2", "avx512"};

enum wakecert_cpu_level wakecert_cpu_supported_level(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return WAKECERT_CPU_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return WAKECERT_CPU_AVX2;
    if (__builtin_cpu_supports("sse2"))
        return WAKECERT_CPU_SSE2;
#endif
    return WAKECERT_CPU_C;
}

static enum wakecert_cpu_level chosen_level;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;

static void choose_level(void)
{
    enum wakecert_cpu_level level = wakecert_cpu_supported_level();
    const char *forced = getenv("WAKECERT_ARCH");
    if (forced && *forced) {
        int parsed = wakecert_cpu_level_parse(forced);
        if (parsed < 0)
            fprintf(stderr, "wakecert: WAKECERT_ARCH=%s is not one of c, sse2, avx2, avx512; ignored\n", forced);
        else if ((enum wakecert_cpu_level)parsed < level)
            level = (enum wakecert_cpu_level)parsed;
    }
    chosen_level = level;
}

enum wakecert_cpu_level wakecert_cpu_level(void)
{
    pthread_once(&chosen_once, choose_level);
    return chosen_level;
}

const char *wakecert_cpu_level_name(enum wakecert_cpu_level level)
{
    return (unsigned)level < WAKECERT_CPU_LEVEL_COUNT ? level_names[level] : "unknown";
}

int wakecert_cpu_level_parse(const char *name)
{
    for (int i = 0; i < WAKECERT_CPU_LEVEL_COUNT; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

static char cpu_model[256];
static pthread_once_t cpu_model_once = PTHREAD_ONCE_INIT;

static void read_cpu_model(void)
{
    FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
    if (!cpuinfo)
        return;
    char line[512];
    while (fgets(line, sizeof line, cpuinfo)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        const char *colon = strchr(line, ':');
        if (!colon)
            continue;
        colon++;
        while (*colon == ' ' || *colon == '\t')
            colon++;
        snprintf(cpu_model, sizeof cpu_model, "%s", colon);
        cpu_model[strcspn(cpu_model, "\n")] = '\0';
        break;
    }
    fclose(cpuinfo);
}

const char *wakecert_cpu_model(void)
{
    pthread_once(&cpu_model_once, read_cpu_model);
    return cpu_model[0] ? cpu_model : "unknown";
}
