/*
 * Ring buffer of recent samples (see ring_buffer.h). Position of index i is i mod capacity, which
 * holds because every index ever pushed is counted; a reset moves end_index, never the mapping rule.
 */
#include "ring_buffer.h"

#include <stdlib.h>
#include <string.h>

int ring_buffer_init(struct ring_buffer *ring, size_t capacity, int64_t first_index)
{
    ring->samples = calloc(capacity ? capacity : 1, sizeof *ring->samples);
    if (!ring->samples)
        return -1;
    ring->capacity = capacity ? capacity : 1;
    ring->end_index = first_index;
    ring->held = 0;
    return 0;
}

void ring_buffer_free(struct ring_buffer *ring)
{
    free(ring->samples);
    ring->samples = NULL;
}

void ring_buffer_reset(struct ring_buffer *ring, int64_t next_index)
{
    ring->end_index = next_index;
    ring->held = 0;
}

static size_t position_of(const struct ring_buffer *ring, int64_t index)
{
    return (size_t)(index % (int64_t)ring->capacity);
}

void ring_buffer_push(struct ring_buffer *ring, const int16_t *samples, size_t count)
{
    if (count > ring->capacity) {
        ring->end_index += (int64_t)(count - ring->capacity);
        samples += count - ring->capacity;
        count = ring->capacity;
    }
    while (count > 0) {
        size_t position = position_of(ring, ring->end_index);
        size_t piece = ring->capacity - position;
        if (piece > count)
            piece = count;
        memcpy(ring->samples + position, samples, piece * sizeof *samples);
        samples += piece;
        count -= piece;
        ring->end_index += (int64_t)piece;
        ring->held = ring->held + piece > ring->capacity ? ring->capacity : ring->held + piece;
    }
}

int64_t ring_buffer_oldest_index(const struct ring_buffer *ring)
{
    return ring->end_index - (int64_t)ring->held;
}

size_t ring_buffer_view(const struct ring_buffer *ring, int64_t first, size_t limit, const int16_t **out_first)
{
    *out_first = NULL;
    if (first < ring_buffer_oldest_index(ring) || first >= ring->end_index)
        return 0;
    size_t available = (size_t)(ring->end_index - first);
    size_t position = position_of(ring, first);
    size_t contiguous = ring->capacity - position;
    size_t count = available < contiguous ? available : contiguous;
    if (count > limit)
        count = limit;
    *out_first = ring->samples + position;
    return count;
}
