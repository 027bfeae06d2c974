"""Sound files for tests, written through the system's libsndfile with ctypes (no Python packages).

wakecert reads audio with libsndfile, so the bad-input test and the fuzz seed script make their WAV,
FLAC and float files with the same library: what they write is exactly what a user's tools would
produce. `write(path, rate, channels, fmt, frames)` takes interleaved float samples (full scale +-1);
`fmt` is one of the keys of FORMATS. Plain WAV headers that libsndfile refuses to write (claims of
10 hours, a zero rate) are made by `wav_header`, byte by byte.
"""
import ctypes
import ctypes.util
import os
import struct

SF_FORMAT_WAV = 0x010000
SF_FORMAT_FLAC = 0x170000
SF_FORMAT_PCM_S8 = 0x0001
SF_FORMAT_PCM_16 = 0x0002
SF_FORMAT_PCM_U8 = 0x0005
SF_FORMAT_FLOAT = 0x0006
SFM_WRITE = 0x20

FORMATS = {
    "wav16": SF_FORMAT_WAV | SF_FORMAT_PCM_16,
    "wav8": SF_FORMAT_WAV | SF_FORMAT_PCM_U8,
    "wavfloat": SF_FORMAT_WAV | SF_FORMAT_FLOAT,
    "flac16": SF_FORMAT_FLAC | SF_FORMAT_PCM_16,
}


class _Info(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int), ("channels", ctypes.c_int),
                ("format", ctypes.c_int), ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


_library = None


def _sndfile():
    global _library
    if _library is None:
        _library = ctypes.CDLL(ctypes.util.find_library("sndfile") or "libsndfile.so.1")
        _library.sf_open.restype = ctypes.c_void_p
        _library.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(_Info)]
        _library.sf_writef_float.restype = ctypes.c_int64
        _library.sf_writef_float.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.c_int64]
        _library.sf_close.argtypes = [ctypes.c_void_p]
        _library.sf_strerror.restype = ctypes.c_char_p
        _library.sf_strerror.argtypes = [ctypes.c_void_p]
    return _library


def write(path, rate, channels, fmt, samples):
    """Write interleaved float samples (a list) as `fmt` at `rate` Hz. Raises OSError on failure."""
    library = _sndfile()
    info = _Info(0, rate, channels, FORMATS[fmt], 0, 0)
    handle = library.sf_open(os.fsencode(path), SFM_WRITE, ctypes.byref(info))
    if not handle:
        raise OSError("libsndfile cannot create %s: %s" % (path, library.sf_strerror(None).decode()))
    buffer = (ctypes.c_float * len(samples))(*samples)
    written = library.sf_writef_float(handle, buffer, len(samples) // channels)
    library.sf_close(handle)
    if written != len(samples) // channels:
        raise OSError("short write to %s" % path)


def tone(frames, channels=1, amplitude=0.1):
    """A deterministic quiet tone, interleaved (the same value on every channel)."""
    values = []
    for i in range(frames):
        value = amplitude * (((i * 37) % 200) / 100.0 - 1.0)
        values.extend([value] * channels)
    return values


def wav_header(rate, channels, bits, data_bytes, format_tag=1):
    """A 44-byte RIFF/WAVE header claiming `data_bytes` of sample data (the data itself not included)."""
    block = channels * bits // 8
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, format_tag, channels, rate, rate * block, block, bits) +
            b"data" + struct.pack("<I", data_bytes))
