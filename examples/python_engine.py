#!/usr/bin/env python3
"""A wakecert engine in Python (standard library only), speaking the framed engine protocol of
conformance/PROTOCOL.md on stdin/stdout: `wakecert certify --engine "exec:python3 examples/python_engine.py"`.

It is a model of a conforming device rather than a good detector: it "wakes" when speech energy
rises after a pause (an energy detector), keeps 4 s of audio for the pre-roll, streams from exactly
500 ms before the onset it reports, shows the indicator whenever it streams, closes at once on
StopCapture or a cloud reject, ends a stream itself after 10 s, honours the microphone switch (keeps
nothing while muted), opens a stream without pre-roll on the action button, and follows ExpectSpeech
for its timeout. Only the pipe to the harness is used: nothing else leaves the process.
"""
import json
import math
import struct
import sys

RATE = 16000
PREROLL = 8000
RING = 4 * RATE
MAX_STREAM = 10 * RATE

# Control kinds, stream reasons, close reasons, indicator states, tones (include/wakecert/engine.h).
MIC_OFF, MIC_ON, BUTTON, CLOUD_REJECT, STOP_CAPTURE, EXPECT_SPEECH = 1, 2, 3, 4, 5, 6
WAKE, BUTTON_STREAM, FOLLOW_UP = 1, 2, 3
CLOSE_STOP, CLOSE_REJECT, CLOSE_MIC, CLOSE_LOCAL, CLOSE_TIMEOUT, CLOSE_DESTROY = 1, 2, 3, 4, 5, 6
OFF, LISTENING, MUTED = 0, 1, 2
TONE_NONE, TONE_START, TONE_END = 0, 1, 2

out = sys.stdout.buffer
inp = sys.stdin.buffer


def send(kind, payload=b""):
    out.write(struct.pack("<I", len(payload)) + kind.encode() + payload)


def read_frame():
    header = inp.read(5)
    if len(header) < 5:
        return None, None
    (length,) = struct.unpack("<I", header[:4])
    payload = inp.read(length)
    return chr(header[4]), payload


class Engine:
    def __init__(self, config):
        self.sensitivity = float(config.get("sensitivity", 0.5))
        self.local_only = bool(config.get("local_only", False))
        self.clock = 0
        self.ring = bytearray()          # the last RING samples, as int16 little-endian bytes
        self.ring_start = 0              # sample index of the ring's first sample
        self.streaming = False
        self.next_upload = 0
        self.deadline = 0
        self.deadline_reason = CLOSE_LOCAL
        self.muted = False
        self.indicator = OFF
        self.quiet_frames = 0            # 10 ms frames of quiet before the current loud run
        self.loud_frames = 0
        self.pending = bytearray()       # samples not yet in a whole 10 ms frame
        self.refractory_until = 0

    # indicator and streams -------------------------------------------------------------------
    def set_indicator(self, state, tone):
        if state != self.indicator:
            self.indicator = state
            send("I", struct.pack("<ii", state, tone))

    def open_stream(self, reason, first, deadline, deadline_reason):
        self.set_indicator(LISTENING, TONE_START)
        self.streaming = True
        self.next_upload = max(first, self.ring_start)
        self.deadline = deadline
        self.deadline_reason = deadline_reason
        send("O", struct.pack("<i", reason))
        self.upload_pending()

    def close_stream(self, reason, indicator=OFF):
        if self.streaming:
            self.streaming = False
            send("X", struct.pack("<i", reason))
            self.set_indicator(indicator, TONE_END if indicator == OFF else TONE_NONE)

    def upload_pending(self):
        end = self.ring_start + len(self.ring) // 2
        if self.streaming and self.next_upload < end:
            offset = (self.next_upload - self.ring_start) * 2
            send("U", struct.pack("<q", self.next_upload) + bytes(self.ring[offset:]))
            self.next_upload = end

    # audio -----------------------------------------------------------------------------------
    def process(self, data):
        count = len(data) // 2
        if self.muted:
            self.clock += count
            self.ring = bytearray()
            self.ring_start = self.clock
            return
        if self.streaming and self.clock + count > self.deadline:
            keep = max(0, self.deadline - self.clock)
            self.append(data[: 2 * keep])
            self.upload_pending()
            self.close_stream(self.deadline_reason)
            data = data[2 * keep:]
        self.append(data)
        self.upload_pending()
        self.detect(data)

    def append(self, data):
        self.ring += data
        self.clock += len(data) // 2
        excess = len(self.ring) // 2 - RING
        if excess > 0:
            del self.ring[: 2 * excess]
            self.ring_start += excess

    def detect(self, data):
        """An energy detector on 10 ms frames: speech after at least 300 ms of quiet is a 'wake'."""
        self.pending += data
        threshold = 800.0 * (1.5 - self.sensitivity)
        while len(self.pending) >= 320:
            frame = struct.unpack("<160h", bytes(self.pending[:320]))
            del self.pending[:320]
            frame_end = self.clock - len(self.pending) // 2
            rms = math.sqrt(sum(v * v for v in frame) / 160.0)
            if rms > threshold:
                self.loud_frames += 1
                if self.loud_frames == 20 and self.quiet_frames >= 30 and frame_end >= self.refractory_until:
                    start = frame_end - 20 * 160
                    send("W", json.dumps({"keyword": "energy", "score": min(1.0, rms / 8000.0),
                                          "start": start, "end": frame_end}).encode())
                    self.refractory_until = frame_end + RATE
                    if not self.streaming and not self.local_only:
                        self.open_stream(WAKE, start - PREROLL, self.clock + MAX_STREAM, CLOSE_LOCAL)
            else:
                if self.loud_frames:
                    self.quiet_frames = 0
                self.loud_frames = 0
                self.quiet_frames += 1

    # controls --------------------------------------------------------------------------------
    def control(self, kind, timeout_ms):
        if kind == MIC_OFF:
            self.close_stream(CLOSE_MIC, MUTED)
            self.muted = True
            self.set_indicator(MUTED, TONE_NONE)
            self.ring = bytearray()
            self.ring_start = self.clock
        elif kind == MIC_ON and self.muted:
            self.muted = False
            self.ring = bytearray()
            self.ring_start = self.clock
            self.pending = bytearray()
            self.quiet_frames = self.loud_frames = 0
            self.set_indicator(OFF, TONE_NONE)
        elif kind == BUTTON and not self.muted and not self.streaming and not self.local_only:
            self.open_stream(BUTTON_STREAM, self.clock, self.clock + MAX_STREAM, CLOSE_LOCAL)
        elif kind == CLOUD_REJECT:
            self.close_stream(CLOSE_REJECT)
        elif kind == STOP_CAPTURE:
            self.close_stream(CLOSE_STOP)
        elif kind == EXPECT_SPEECH and not self.muted and not self.streaming and not self.local_only:
            timeout = (timeout_ms if timeout_ms > 0 else 8000) * RATE // 1000
            self.open_stream(FOLLOW_UP, self.clock, self.clock + timeout, CLOSE_TIMEOUT)

    def destroy(self):
        self.close_stream(CLOSE_DESTROY)
        self.set_indicator(OFF, TONE_NONE)


def main():
    send("H", json.dumps({"abi": 1, "name": "python-example", "version": "1.0"}).encode())
    out.flush()
    engine = None
    while True:
        kind, payload = read_frame()
        if kind is None:
            return
        status = 0
        if kind == "C":
            try:
                engine = Engine(json.loads(payload.decode() or "{}"))
            except (ValueError, TypeError) as error:
                send("R", struct.pack("<i", -2) + str(error).encode())
                out.flush()
                continue
        elif kind == "P" and engine:
            engine.process(payload)
        elif kind == "B" and engine:
            (chunk,) = struct.unpack("<i", payload[:4])
            data = payload[4:]
            for offset in range(0, len(data), 2 * chunk):
                piece = data[offset: offset + 2 * chunk]
                send("S", struct.pack("<q", offset // 2 + len(piece) // 2))
                engine.process(piece)
        elif kind == "K" and engine:
            engine.control(*struct.unpack("<ii", payload[:8]))
        elif kind == "D":
            if engine:
                engine.destroy()
            send("R", struct.pack("<i", 0))
            out.flush()
            return
        else:
            status = -1
        send("R", struct.pack("<i", status))
        out.flush()


if __name__ == "__main__":
    main()
