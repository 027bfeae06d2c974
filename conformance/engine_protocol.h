/*
 * The framed engine protocol: how the harness talks to an engine in another process. It carries
 * exactly the operations and events of the C ABI (include/wakecert/engine.h), so a plugin run in the
 * harness's sandboxed child (engine_host.c) and a program in any language (`--engine exec:COMMAND`,
 * e.g. examples/python_engine.py) look the same to the harness. Documented for engine authors in
 * conformance/PROTOCOL.md.
 *
 * A frame is: u32 payload length (little-endian, excluding these 4 bytes and the type byte), one type
 * byte, then the payload. Integers are little-endian; samples are int16 little-endian; text is UTF-8.
 *
 *   engine -> harness, once at start:   'H' {"abi": 1, "name": ..., "version": ...}      (JSON)
 *   harness -> engine:                  'C' config JSON          create
 *                                       'P' int16[n]             process n samples
 *                                       'B' i32 c, int16[n]      process n samples in calls of c samples
 *                                                                (events of the k-th call are preceded by
 *                                                                'S' i64 k*c+c: samples done when they came)
 *                                       'K' i32 kind, i32 timeout_ms   control
 *                                       'D' (empty)              destroy, then exit
 *   engine -> harness, during a call:   'W' {"keyword","score","start","end"} (JSON)   wake_detected
 *                                       'O' i32 reason           stream_opened
 *                                       'U' i64 first, int16[n]  audio_uploaded
 *                                       'X' i32 reason           stream_closed
 *                                       'I' i32 state, i32 tone  indicator_changed
 *   engine -> harness, ending each call: 'R' i32 status [, UTF-8 message]   (0 = OK)
 *   child host -> harness, sandbox:      'V' {"syscall": name, "number": n}  then the child exits
 *
 * Every harness frame is answered by zero or more event frames and exactly one 'R'.
 */
#ifndef WAKECERT_CONFORMANCE_ENGINE_PROTOCOL_H
#define WAKECERT_CONFORMANCE_ENGINE_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define PROTOCOL_MAX_PAYLOAD (64u << 20) /* 64 MiB: 33 minutes of audio in one frame */

enum protocol_frame_type {
    FRAME_HELLO = 'H',
    FRAME_CREATE = 'C',
    FRAME_PROCESS = 'P',
    FRAME_BATCH = 'B',
    FRAME_SUBCALL = 'S',
    FRAME_CONTROL = 'K',
    FRAME_DESTROY = 'D',
    FRAME_WAKE = 'W',
    FRAME_OPEN = 'O',
    FRAME_UPLOAD = 'U',
    FRAME_CLOSE = 'X',
    FRAME_INDICATOR = 'I',
    FRAME_RESULT = 'R',
    FRAME_VIOLATION = 'V',
};

/** Write one frame (header and payload) to fd, retrying short writes. Returns 0, or -1 (errno set). */
int protocol_write_frame(int fd, int type, const void *payload, size_t size);

/** Write one frame whose payload is two parts (e.g. an i64 index and samples). Same contract. */
int protocol_write_frame2(int fd, int type, const void *first, size_t first_size, const void *second,
                          size_t second_size);

/** A growable buffer frames are read into. */
struct protocol_buffer {
    unsigned char *data;
    size_t capacity;
};

/** Read one frame from fd into buffer: *type and *size. Waits at most timeout_ms (< 0: forever) for
 *  the frame to start and to complete. Returns 0; 1 at a clean end of stream before a frame; -1 on a
 *  read error or a malformed frame (errno set: EPROTO for a bad length); -2 on timeout. */
int protocol_read_frame(int fd, struct protocol_buffer *buffer, int *type, size_t *size, int timeout_ms);

void protocol_buffer_free(struct protocol_buffer *buffer);

/** Little-endian field access (the payloads are packed, unaligned). */
int32_t protocol_get_i32(const unsigned char *bytes);
int64_t protocol_get_i64(const unsigned char *bytes);
void protocol_put_i32(unsigned char *bytes, int32_t value);
void protocol_put_i64(unsigned char *bytes, int64_t value);

#endif
