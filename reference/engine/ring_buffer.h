/*
 * A fixed-capacity ring of the most recent int16 samples, addressed by absolute sample index.
 *
 * The stream gate keeps the last few seconds of audio here so that, when the wake word is detected
 * (up to a second after it was spoken), it can upload from exactly 500 ms before the reported start.
 * Samples are addressed by their index on the engine's sample clock, not by ring position, so the
 * gate never does modular arithmetic itself. Capacity is fixed at creation: no allocation afterwards.
 */
#ifndef WAKECERT_REFERENCE_RING_BUFFER_H
#define WAKECERT_REFERENCE_RING_BUFFER_H

#include <stddef.h>
#include <stdint.h>

struct ring_buffer {
    int16_t *samples;
    size_t capacity;
    int64_t end_index; /* one past the newest sample held (== total samples pushed since the last reset point) */
    size_t held;       /* number of samples held: min(capacity, pushed since reset) */
};

/** Allocate a ring of `capacity` samples whose next pushed sample has index `first_index`.
 *  Returns 0, or -1 when out of memory. */
int ring_buffer_init(struct ring_buffer *ring, size_t capacity, int64_t first_index);

void ring_buffer_free(struct ring_buffer *ring);

/** Forget everything held; the next pushed sample gets index `next_index`. */
void ring_buffer_reset(struct ring_buffer *ring, int64_t next_index);

/** Append samples (any count; only the last `capacity` are kept). Cannot fail. */
void ring_buffer_push(struct ring_buffer *ring, const int16_t *samples, size_t count);

/** Index of the oldest sample still held (== end_index when empty). */
int64_t ring_buffer_oldest_index(const struct ring_buffer *ring);

/** Point *out_first at the samples from index `first` on, as one contiguous piece: returns how many
 *  samples that piece holds (the rest, if the range wraps, is got by calling again from first + the
 *  returned count). Returns 0 when `first` is not held. `limit` bounds the count. */
size_t ring_buffer_view(const struct ring_buffer *ring, int64_t first, size_t limit, const int16_t **out_first);

#endif
