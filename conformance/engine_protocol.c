/*
 * Frame reading and writing for the engine protocol (see engine_protocol.h). Reads use poll() so a
 * hung engine becomes a timeout rather than a hung harness; writes loop over short writes and EINTR.
 */
#define _POSIX_C_SOURCE 200809L
#include "engine_protocol.h"

#include "files.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int protocol_write_frame2(int fd, int type, const void *first, size_t first_size, const void *second,
                          size_t second_size)
{
    size_t total = first_size + second_size;
    if (total > PROTOCOL_MAX_PAYLOAD) {
        errno = EMSGSIZE;
        return -1;
    }
    unsigned char header[5];
    protocol_put_i32(header, (int32_t)total);
    header[4] = (unsigned char)type;
    /* One write for small frames keeps the pipe traffic to a single system call. */
    if (total <= 4096) {
        unsigned char frame[5 + 4096];
        memcpy(frame, header, 5);
        if (first_size)
            memcpy(frame + 5, first, first_size);
        if (second_size)
            memcpy(frame + 5 + first_size, second, second_size);
        return wakecert_write_all(fd, frame, 5 + total);
    }
    if (wakecert_write_all(fd, header, 5) != 0)
        return -1;
    if (first_size && wakecert_write_all(fd, first, first_size) != 0)
        return -1;
    return second_size ? wakecert_write_all(fd, second, second_size) : 0;
}

int protocol_write_frame(int fd, int type, const void *payload, size_t size)
{
    return protocol_write_frame2(fd, type, payload, size, NULL, 0);
}

static long long now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Read exactly size bytes before the deadline (< 0: none). 0 ok, 1 end of stream at the start, -1
 * error or end of stream mid-way, -2 timeout. */
static int read_exact(int fd, unsigned char *out, size_t size, long long deadline, int at_frame_start)
{
    size_t got = 0;
    while (got < size) {
        if (deadline >= 0) {
            long long remaining = deadline - now_ms();
            if (remaining <= 0)
                return -2;
            struct pollfd watch = {fd, POLLIN, 0};
            int ready = poll(&watch, 1, remaining > 1000000 ? 1000000 : (int)remaining);
            if (ready < 0) {
                if (errno == EINTR)
                    continue;
                return -1;
            }
            if (ready == 0)
                continue;
        }
        ssize_t count = read(fd, out + got, size - got);
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (count == 0) {
            if (got == 0 && at_frame_start)
                return 1;
            errno = EPIPE;
            return -1;
        }
        got += (size_t)count;
    }
    return 0;
}

int protocol_read_frame(int fd, struct protocol_buffer *buffer, int *type, size_t *size, int timeout_ms)
{
    long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    unsigned char header[5];
    int status = read_exact(fd, header, 5, deadline, 1);
    if (status != 0)
        return status;
    uint32_t length = (uint32_t)protocol_get_i32(header);
    if (length > PROTOCOL_MAX_PAYLOAD) {
        errno = EPROTO;
        return -1;
    }
    if (buffer->capacity < length + 1) {
        size_t capacity = length + 1 > 65536 ? length + 1 : 65536;
        unsigned char *grown = realloc(buffer->data, capacity);
        if (!grown)
            return -1;
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    status = read_exact(fd, buffer->data, length, deadline, 0);
    if (status != 0)
        return status == 1 ? -1 : status;
    buffer->data[length] = '\0'; /* text payloads can be used as C strings */
    *type = header[4];
    *size = length;
    return 0;
}

void protocol_buffer_free(struct protocol_buffer *buffer)
{
    free(buffer->data);
    buffer->data = NULL;
    buffer->capacity = 0;
}

int32_t protocol_get_i32(const unsigned char *bytes)
{
    return (int32_t)((uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24);
}

int64_t protocol_get_i64(const unsigned char *bytes)
{
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--)
        value = value << 8 | bytes[i];
    return (int64_t)value;
}

void protocol_put_i32(unsigned char *bytes, int32_t value)
{
    for (int i = 0; i < 4; i++)
        bytes[i] = (unsigned char)((uint32_t)value >> (8 * i));
}

void protocol_put_i64(unsigned char *bytes, int64_t value)
{
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)((uint64_t)value >> (8 * i));
}
