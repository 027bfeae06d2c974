/*
 * The ring buffer checked against the plainest model of it: an array holding every sample ever
 * pushed. Random pushes of random sizes (including larger than the ring) and random views must agree
 * with the model; and a deliberately corrupted ring must be caught by the same comparison, so the
 * test is known to be able to fail.
 */
#include "ring_buffer.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static uint32_t next_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* Compare every held sample with the model; returns the number of mismatches. */
static int mismatches_against_model(const struct ring_buffer *ring, const int16_t *model, int64_t model_count)
{
    int mismatches = 0;
    int64_t first = ring_buffer_oldest_index(ring);
    cr_assert_eq(ring->end_index, model_count);
    while (first < ring->end_index) {
        const int16_t *piece;
        size_t count = ring_buffer_view(ring, first, SIZE_MAX, &piece);
        cr_assert_gt(count, 0, "view of held index %lld returned nothing", (long long)first);
        for (size_t i = 0; i < count; i++)
            mismatches += piece[i] != model[first + (int64_t)i];
        first += (int64_t)count;
    }
    return mismatches;
}

Test(ring_buffer, agrees_with_array_model_under_random_pushes)
{
    enum { capacity = 1000, total = 200000 };
    int16_t *model = malloc(total * sizeof *model);
    struct ring_buffer ring;
    cr_assert_eq(ring_buffer_init(&ring, capacity, 0), 0);
    uint32_t state = 2463534242u;
    int64_t pushed = 0;
    while (pushed < total - 3000) {
        size_t count = next_random(&state) % 2500;
        for (size_t i = 0; i < count; i++)
            model[pushed + (int64_t)i] = (int16_t)next_random(&state);
        ring_buffer_push(&ring, model + pushed, count);
        pushed += (int64_t)count;
        cr_assert_eq(ring.held, pushed < capacity ? (size_t)pushed : (size_t)capacity);
        cr_assert_eq(mismatches_against_model(&ring, model, pushed), 0, "after pushing to %lld", (long long)pushed);
    }
    ring_buffer_free(&ring);
    free(model);
}

Test(ring_buffer, view_outside_held_range_is_empty)
{
    struct ring_buffer ring;
    cr_assert_eq(ring_buffer_init(&ring, 100, 0), 0);
    int16_t samples[250];
    for (int i = 0; i < 250; i++)
        samples[i] = (int16_t)i;
    ring_buffer_push(&ring, samples, 250);
    const int16_t *piece;
    cr_assert_eq(ring_buffer_view(&ring, 149, 10, &piece), 0, "index 149 was overwritten");
    cr_assert_eq(ring_buffer_view(&ring, 250, 10, &piece), 0, "index 250 is in the future");
    cr_assert_eq(ring_buffer_view(&ring, 150, 10, &piece), 10);
    cr_assert_eq(piece[0], 150);
    ring_buffer_reset(&ring, 400);
    cr_assert_eq(ring_buffer_view(&ring, 249, 1, &piece), 0, "reset forgets everything");
    cr_assert_eq(ring_buffer_oldest_index(&ring), 400);
    ring_buffer_free(&ring);
}

Test(ring_buffer, injected_fault_is_caught_by_the_model_comparison)
{
    int16_t model[300];
    for (int i = 0; i < 300; i++)
        model[i] = (int16_t)(i * 7);
    struct ring_buffer ring;
    cr_assert_eq(ring_buffer_init(&ring, 128, 0), 0);
    ring_buffer_push(&ring, model, 300);
    cr_assert_eq(mismatches_against_model(&ring, model, 300), 0);
    ring.samples[5] ^= 1; /* the fault */
    cr_assert_eq(mismatches_against_model(&ring, model, 300), 1);
    ring_buffer_free(&ring);
}
