/*
 * Building the front end's constant tables (window, sparse mel filterbank, DCT matrix), checking a
 * configuration, the kernel dispatch table and the process-wide FFTW planning lock.
 *
 * Tables are computed in double precision and rounded once to float, so every kernel level sees the
 * same coefficients. The mel filterbank follows HTK: filter_count + 2 edge frequencies equally spaced
 * on the mel scale between low_frequency_hz and high_frequency_hz; FFT bin k (frequency
 * k * sample_rate / fft_size) gets weight (mel(k) - left) / (centre - left) on a rising edge and
 * (right - mel(k)) / (right - centre) on a falling edge, and only bins strictly inside (left, right)
 * are stored. The same weights are regrouped for the AVX kernels (struct wakecert_mel_blocks, with
 * the first bins also as byte offsets) and cut into 16-bin block x filter pairs for the fused AVX-512
 * power + mel kernel (struct wakecert_mel_pairs), and the DCT matrix is also stored folded by the cosine's
 * symmetry (struct wakecert_dct_table). Everything here runs once per front end, never per frame.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "error.h"
#include "mel_default_pairs.h"
#include "mfcc_kernels.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Defined by the x86/ files when the build has them (see CMakeLists.txt). */
#ifdef WAKECERT_HAVE_SSE2_KERNELS
extern const struct wakecert_mfcc_kernels wakecert_mfcc_kernels_sse2;
#endif
#ifdef WAKECERT_HAVE_AVX2_KERNELS
extern const struct wakecert_mfcc_kernels wakecert_mfcc_kernels_avx2;
#endif
#ifdef WAKECERT_HAVE_AVX512_KERNELS
extern const struct wakecert_mfcc_kernels wakecert_mfcc_kernels_avx512;
#endif

static const struct wakecert_mfcc_kernels kernels_c = {
    "c",           wakecert_emphasis_c, wakecert_window_c, wakecert_power_c, wakecert_mel_c, wakecert_features_c,
    wakecert_log_c, wakecert_dct_c,
};

/* Indexed by enum wakecert_cpu_level; a level the build lacks points at the next lower table. */
static const struct wakecert_mfcc_kernels *const kernel_table[WAKECERT_CPU_LEVEL_COUNT] = {
    [WAKECERT_CPU_C] = &kernels_c,
#ifdef WAKECERT_HAVE_SSE2_KERNELS
    [WAKECERT_CPU_SSE2] = &wakecert_mfcc_kernels_sse2,
#else
    [WAKECERT_CPU_SSE2] = &kernels_c,
#endif
#if defined(WAKECERT_HAVE_AVX2_KERNELS)
    [WAKECERT_CPU_AVX2] = &wakecert_mfcc_kernels_avx2,
#elif defined(WAKECERT_HAVE_SSE2_KERNELS)
    [WAKECERT_CPU_AVX2] = &wakecert_mfcc_kernels_sse2,
#else
    [WAKECERT_CPU_AVX2] = &kernels_c,
#endif
#if defined(WAKECERT_HAVE_AVX512_KERNELS)
    [WAKECERT_CPU_AVX512] = &wakecert_mfcc_kernels_avx512,
#elif defined(WAKECERT_HAVE_AVX2_KERNELS)
    [WAKECERT_CPU_AVX512] = &wakecert_mfcc_kernels_avx2,
#elif defined(WAKECERT_HAVE_SSE2_KERNELS)
    [WAKECERT_CPU_AVX512] = &wakecert_mfcc_kernels_sse2,
#else
    [WAKECERT_CPU_AVX512] = &kernels_c,
#endif
};

const struct wakecert_mfcc_kernels *wakecert_mfcc_kernels_for(int level)
{
    if (level < 0 || level >= WAKECERT_CPU_LEVEL_COUNT)
        return &kernels_c;
    return kernel_table[level];
}

static pthread_mutex_t fftw_mutex = PTHREAD_MUTEX_INITIALIZER;

void wakecert_fftw_lock(void)
{
    pthread_mutex_lock(&fftw_mutex);
}

void wakecert_fftw_unlock(void)
{
    pthread_mutex_unlock(&fftw_mutex);
}

double wakecert_hz_to_mel(double hz)
{
    return 2595.0 * log10(1.0 + hz / 700.0);
}

double wakecert_mel_to_hz(double mel)
{
    return 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
}

void wakecert_mfcc_config_default(struct wakecert_mfcc_config *config)
{
    config->sample_rate = 16000;
    config->preemphasis = 0.97f;
    config->window_length = 400;
    config->hop_length = 160;
    config->fft_size = 512;
    config->mel_filter_count = 40;
    config->low_frequency_hz = 20.0f;
    config->high_frequency_hz = 8000.0f;
    config->log_floor = 1e-10f;
    config->cepstrum_count = 13;
}

int wakecert_mfcc_config_check(const struct wakecert_mfcc_config *config, char *message, size_t message_size)
{
    const int code = WAKECERT_ERROR_USAGE;
    if (!config)
        return wakecert_set_error(message, message_size, code, "MFCC configuration is NULL");
    if (config->sample_rate < 1000 || config->sample_rate > 384000)
        return wakecert_set_error(message, message_size, code, "MFCC sample_rate %d is outside 1000..384000",
                                  config->sample_rate);
    if (!(config->preemphasis >= 0.0f && config->preemphasis < 1.0f))
        return wakecert_set_error(message, message_size, code, "MFCC preemphasis %g is outside [0, 1)",
                                  (double)config->preemphasis);
    if (config->fft_size < 16 || config->fft_size > 65536 || config->fft_size % 2 != 0)
        return wakecert_set_error(message, message_size, code, "MFCC fft_size %d is not an even number in 16..65536",
                                  config->fft_size);
    if (config->window_length < 2 || config->window_length > config->fft_size)
        return wakecert_set_error(message, message_size, code, "MFCC window_length %d is outside 2..fft_size (%d)",
                                  config->window_length, config->fft_size);
    if (config->hop_length < 1 || config->hop_length > config->window_length)
        return wakecert_set_error(message, message_size, code, "MFCC hop_length %d is outside 1..window_length (%d)",
                                  config->hop_length, config->window_length);
    if (config->mel_filter_count < 1 || config->mel_filter_count > WAKECERT_MFCC_MAX_FILTERS)
        return wakecert_set_error(message, message_size, code, "MFCC mel_filter_count %d is outside 1..%d",
                                  config->mel_filter_count, WAKECERT_MFCC_MAX_FILTERS);
    if (!(config->low_frequency_hz >= 0.0f && config->low_frequency_hz < config->high_frequency_hz &&
          config->high_frequency_hz <= config->sample_rate / 2.0f))
        return wakecert_set_error(message, message_size, code,
                                  "MFCC frequency range %g..%g Hz is not within 0..%g Hz (half the sample rate)",
                                  (double)config->low_frequency_hz, (double)config->high_frequency_hz,
                                  config->sample_rate / 2.0);
    if (!(config->log_floor >= 1.17549435e-38f && config->log_floor < 1e30f))
        return wakecert_set_error(message, message_size, code, "MFCC log_floor %g is not a positive normal float",
                                  (double)config->log_floor);
    if (config->cepstrum_count < 1 || config->cepstrum_count > config->mel_filter_count)
        return wakecert_set_error(message, message_size, code,
                                  "MFCC cepstrum_count %d is outside 1..mel_filter_count (%d)",
                                  config->cepstrum_count, config->mel_filter_count);
    return WAKECERT_OK;
}

static int round_up(int value, int multiple)
{
    return (value + multiple - 1) / multiple * multiple;
}

/* count zeroed floats on a WAKECERT_MFCC_TABLE_ALIGNMENT boundary (free with free()); NULL when out of
 * memory. At least one float is allocated. */
static float *aligned_floats(size_t count)
{
    const size_t alignment = WAKECERT_MFCC_TABLE_ALIGNMENT;
    size_t bytes = (count > 0 ? count : 1) * sizeof(float);
    bytes = (bytes + alignment - 1) / alignment * alignment;
    float *buffer = aligned_alloc(alignment, bytes);
    if (buffer)
        memset(buffer, 0, bytes);
    return buffer;
}

/* How many lanes-float chunks filter f's weights fill. */
static int filter_chunks(const struct wakecert_mel_bank *bank, int f, int lanes)
{
    return (bank->length[f] + lanes - 1) / lanes;
}

/* Regroup the bank's per-filter weights for vectors of `lanes` floats (see struct wakecert_mel_blocks)
 * and raise bank->power_padded_count to cover the padded reads. Returns 0 or WAKECERT_ERROR_NO_MEMORY
 * (what was allocated is freed by wakecert_mfcc_tables_free). */
static int build_mel_blocks(struct wakecert_mel_bank *bank, int lanes, struct wakecert_mel_blocks *blocks)
{
    const int filters = bank->filter_count;
    /* cost[i]: fewest padded multiply-adds (plus a reduction, worth 3 * lanes of them, per group) for
     * filters [0, i); cut[i]: where the last group of that best split starts. */
    int *cost = malloc((size_t)(filters + 1) * sizeof *cost);
    int *cut = malloc((size_t)(filters + 1) * sizeof *cut);
    if (!cost || !cut) {
        free(cost);
        free(cut);
        return WAKECERT_ERROR_NO_MEMORY;
    }
    cost[0] = 0;
    for (int i = 1; i <= filters; i++) {
        int widest = 0;
        cost[i] = -1;
        for (int j = i - 1; j >= 0 && j >= i - lanes; j--) {
            int need = filter_chunks(bank, j, lanes);
            if (need > widest)
                widest = need;
            int candidate = cost[j] + lanes * widest + 3 * lanes;
            if (cost[i] < 0 || candidate < cost[i]) {
                cost[i] = candidate;
                cut[i] = j;
            }
        }
    }
    int groups = 0;
    for (int i = filters; i > 0; i = cut[i])
        groups++;
    blocks->lanes = lanes;
    blocks->group_count = groups;
    blocks->start = calloc((size_t)groups + 1, sizeof(int));
    blocks->chunks = calloc((size_t)groups, sizeof(int));
    blocks->offset = calloc((size_t)groups, sizeof(int));
    blocks->first_bin = calloc((size_t)groups * (size_t)lanes, sizeof(int));
    blocks->first_byte = calloc((size_t)groups * (size_t)lanes, sizeof(ptrdiff_t));
    if (!blocks->start || !blocks->chunks || !blocks->offset || !blocks->first_bin || !blocks->first_byte) {
        free(cost);
        free(cut);
        return WAKECERT_ERROR_NO_MEMORY;
    }
    int g = groups;
    for (int i = filters; i > 0; i = cut[i])
        blocks->start[--g] = cut[i];
    blocks->start[groups] = filters;
    free(cost);
    free(cut);

    int total = 0, padded = bank->power_padded_count;
    for (g = 0; g < groups; g++) {
        int chunks = 0;
        for (int f = blocks->start[g]; f < blocks->start[g + 1]; f++) {
            int need = filter_chunks(bank, f, lanes);
            blocks->first_bin[g * lanes + f - blocks->start[g]] = bank->first_bin[f];
            blocks->first_byte[g * lanes + f - blocks->start[g]] = (ptrdiff_t)bank->first_bin[f] * (ptrdiff_t)sizeof(float);
            if (need > chunks)
                chunks = need;
        }
        blocks->chunks[g] = chunks;
        blocks->offset[g] = total;
        total += chunks * lanes * lanes; /* a multiple of 64 floats, so groups stay 64-byte aligned */
        for (int j = 0; j < lanes; j++)
            if (blocks->first_bin[g * lanes + j] + chunks * lanes > padded)
                padded = blocks->first_bin[g * lanes + j] + chunks * lanes;
    }
    blocks->weights = aligned_floats((size_t)total);
    if (!blocks->weights)
        return WAKECERT_ERROR_NO_MEMORY;
    for (g = 0; g < groups; g++) {
        for (int f = blocks->start[g]; f < blocks->start[g + 1]; f++) {
            int j = f - blocks->start[g];
            for (int i = 0; i < bank->length[f]; i++) {
                int c = i / lanes, lane = i % lanes;
                blocks->weights[blocks->offset[g] + (c * lanes + j) * lanes + lane] = bank->weights[bank->offset[f] + i];
            }
        }
    }
    bank->power_padded_count = round_up(padded, 16);
    return WAKECERT_OK;
}

static void mel_blocks_free(struct wakecert_mel_blocks *blocks)
{
    free(blocks->start);
    free(blocks->chunks);
    free(blocks->offset);
    free(blocks->first_bin);
    free(blocks->first_byte);
    free(blocks->weights);
}

/* The bank as (16-bin block, filter) pairs (struct wakecert_mel_pairs), and whether they are the
 * compiled-in default layout. Leaves pair_count 0 when a filter reaches past the last whole block.
 * Returns 0 or WAKECERT_ERROR_NO_MEMORY (what was allocated is freed by wakecert_mfcc_tables_free). */
static int build_mel_pairs(struct wakecert_mel_bank *bank, int bin_count, struct wakecert_mel_pairs *pairs)
{
    static const int lane_bin[16] = WAKECERT_MEL_PAIR_LANE_BINS;
    const int blocks = bin_count / 16;
    int count = 0;
    for (int f = 0; f < bank->filter_count; f++) {
        if (bank->length[f] == 0)
            continue;
        const int last = bank->first_bin[f] + bank->length[f] - 1;
        if (last >= 16 * blocks)
            return WAKECERT_OK; /* not representable: the separate kernels serve this configuration */
        count += last / 16 - bank->first_bin[f] / 16 + 1;
    }
    pairs->block = calloc((size_t)count + 1, sizeof(int));
    pairs->filter = calloc((size_t)count + 1, sizeof(int));
    pairs->weights = aligned_floats((size_t)count * 16);
    if (!pairs->block || !pairs->filter || !pairs->weights)
        return WAKECERT_ERROR_NO_MEMORY;
    int i = 0;
    for (int b = 0; b < blocks; b++) {
        for (int f = 0; f < bank->filter_count; f++) {
            const int first = bank->first_bin[f], end = first + bank->length[f];
            if (bank->length[f] == 0 || first >= 16 * (b + 1) || end <= 16 * b)
                continue;
            pairs->block[i] = b;
            pairs->filter[i] = f;
            for (int lane = 0; lane < 16; lane++) {
                const int k = 16 * b + lane_bin[lane];
                if (k >= first && k < end)
                    pairs->weights[16 * i + lane] = bank->weights[bank->offset[f] + k - first];
            }
            i++;
        }
    }
    pairs->pair_count = count;
    int same = bank->filter_count == WAKECERT_MEL_DEFAULT_FILTERS && blocks == WAKECERT_MEL_DEFAULT_BLOCKS &&
               count == WAKECERT_MEL_DEFAULT_PAIRS;
    for (i = 0; same && i < count; i++)
        same = pairs->block[i] == wakecert_mel_default_pair_block[i] &&
               pairs->filter[i] == wakecert_mel_default_pair_filter[i];
    pairs->default_layout = same;
    return WAKECERT_OK;
}

/* Fill the sparse mel bank; returns 0 or WAKECERT_ERROR_NO_MEMORY. */
static int build_mel_bank(const struct wakecert_mfcc_config *config, int bin_count, struct wakecert_mel_bank *bank)
{
    const int filters = config->mel_filter_count;
    double *edges = malloc((size_t)(filters + 2) * sizeof *edges);
    double *bin_mel = malloc((size_t)bin_count * sizeof *bin_mel);
    bank->filter_count = filters;
    bank->first_bin = calloc((size_t)filters, sizeof(int));
    bank->length = calloc((size_t)filters, sizeof(int));
    bank->chunk_count = calloc((size_t)filters, sizeof(int));
    bank->offset = calloc((size_t)filters, sizeof(int));
    if (!edges || !bin_mel || !bank->first_bin || !bank->length || !bank->chunk_count || !bank->offset) {
        free(edges);
        free(bin_mel);
        return WAKECERT_ERROR_NO_MEMORY;
    }
    const double low = wakecert_hz_to_mel(config->low_frequency_hz);
    const double high = wakecert_hz_to_mel(config->high_frequency_hz);
    for (int i = 0; i < filters + 2; i++)
        edges[i] = low + (high - low) * i / (filters + 1);
    for (int k = 0; k < bin_count; k++)
        bin_mel[k] = wakecert_hz_to_mel((double)k * config->sample_rate / config->fft_size);

    /* First pass: the bins strictly inside each triangle, and where each filter's weights go. */
    int weight_count = 0, padded = bin_count;
    for (int f = 0; f < filters; f++) {
        int first = -1, last = -2;
        for (int k = 0; k < bin_count; k++) {
            if (bin_mel[k] > edges[f] && bin_mel[k] < edges[f + 2]) {
                if (first < 0)
                    first = k;
                last = k;
            }
        }
        bank->first_bin[f] = first < 0 ? 0 : first;
        bank->length[f] = last - first + 1 > 0 ? last - first + 1 : 0;
        bank->chunk_count[f] = (bank->length[f] + WAKECERT_MFCC_MEL_CHUNK - 1) / WAKECERT_MFCC_MEL_CHUNK;
        bank->offset[f] = weight_count;
        weight_count += bank->chunk_count[f] * WAKECERT_MFCC_MEL_CHUNK;
        int end = bank->first_bin[f] + bank->chunk_count[f] * WAKECERT_MFCC_MEL_CHUNK;
        if (end > padded)
            padded = end;
    }
    bank->weight_count = weight_count;
    bank->power_padded_count = round_up(padded, WAKECERT_MFCC_MEL_CHUNK);
    bank->weights = aligned_floats((size_t)weight_count);
    if (!bank->weights) {
        free(edges);
        free(bin_mel);
        return WAKECERT_ERROR_NO_MEMORY;
    }
    /* Second pass: the triangle weights. */
    for (int f = 0; f < filters; f++) {
        for (int i = 0; i < bank->length[f]; i++) {
            double mel = bin_mel[bank->first_bin[f] + i];
            double weight = mel <= edges[f + 1] ? (mel - edges[f]) / (edges[f + 1] - edges[f])
                                                : (edges[f + 2] - mel) / (edges[f + 2] - edges[f + 1]);
            bank->weights[bank->offset[f] + i] = (float)weight;
        }
    }
    free(edges);
    free(bin_mel);
    if (build_mel_blocks(bank, 8, &bank->narrow) != 0 || build_mel_pairs(bank, bin_count, &bank->pairs) != 0)
        return WAKECERT_ERROR_NO_MEMORY;
    return WAKECERT_OK;
}

int wakecert_mfcc_tables_build(const struct wakecert_mfcc_config *config, struct wakecert_mfcc_tables *tables,
                               char *message, size_t message_size)
{
    memset(tables, 0, sizeof *tables);
    tables->window_length = config->window_length;
    tables->fft_size = config->fft_size;
    tables->bin_count = config->fft_size / 2 + 1;
    tables->preemphasis = config->preemphasis;
    tables->log_floor = config->log_floor;
    tables->cepstrum_count = config->cepstrum_count;
    const int m = config->mel_filter_count;
    struct wakecert_dct_table *dct = &tables->dct;
    dct->in_count = m;
    dct->out_count = config->cepstrum_count;
    dct->stride = round_up(config->cepstrum_count, WAKECERT_MFCC_DCT_STRIDE_MULTIPLE);
    dct->pair_count = (m + 1) / 2;

    tables->window = aligned_floats((size_t)config->window_length);
    dct->matrix = aligned_floats((size_t)m * (size_t)dct->stride);
    dct->folded = aligned_floats((size_t)dct->pair_count * (size_t)dct->stride);
    if (!tables->window || !dct->matrix || !dct->folded || build_mel_bank(config, tables->bin_count, &tables->mel) != 0) {
        wakecert_mfcc_tables_free(tables);
        return wakecert_set_error(message, message_size, WAKECERT_ERROR_NO_MEMORY,
                                  "out of memory building the MFCC tables");
    }
    /* Symmetric Hamming window (HTK), with the int16 -> [-1, 1) scaling folded in. */
    const int n = config->window_length;
    for (int i = 0; i < n; i++)
        tables->window[i] = (float)((0.54 - 0.46 * cos(2.0 * M_PI * i / (n - 1))) / 32768.0);
    /* Orthonormal DCT-II: c_k = s_k sum_i x_i cos(pi k (2i + 1) / 2M), s_0 = sqrt(1/M), s_k = sqrt(2/M);
     * the folded rows as struct wakecert_dct_table describes (the middle row of an odd M halved, its odd
     * lanes exactly zero). */
    for (int i = 0; i < m; i++)
        for (int k = 0; k < config->cepstrum_count; k++) {
            double scale = k == 0 ? sqrt(1.0 / m) : sqrt(2.0 / m);
            double value = scale * cos(M_PI * k * (2 * i + 1) / (2.0 * m));
            dct->matrix[i * dct->stride + k] = (float)value;
            if (2 * i + 1 < m)
                dct->folded[i * dct->stride + k] = (float)value;
            else if (2 * i + 1 == m)
                dct->folded[i * dct->stride + k] = k % 2 ? 0.0f : (float)value * 0.5f;
        }
    return WAKECERT_OK;
}

void wakecert_mfcc_tables_free(struct wakecert_mfcc_tables *tables)
{
    free(tables->window);
    free(tables->dct.matrix);
    free(tables->dct.folded);
    free(tables->mel.first_bin);
    free(tables->mel.length);
    free(tables->mel.chunk_count);
    mel_blocks_free(&tables->mel.narrow);
    free(tables->mel.pairs.block);
    free(tables->mel.pairs.filter);
    free(tables->mel.pairs.weights);
    free(tables->mel.offset);
    free(tables->mel.weights);
    memset(tables, 0, sizeof *tables);
}
