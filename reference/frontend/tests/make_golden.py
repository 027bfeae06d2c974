#!/usr/bin/python3
"""Make the front end's golden test data: a short real-speech WAV and the MFCCs of it computed by an
independent implementation (numpy/scipy, float64, dense mel matrix, scipy's DCT).

Run with Debian's python3 (python3-numpy, python3-scipy) and espeak-ng installed:
    /usr/bin/python3 reference/frontend/tests/make_golden.py
It writes tests/data/speech.wav (0.4 s of 16 kHz int16 speech, ~13 KB) and tests/data/speech_golden.txt.
The speech comes from espeak-ng (22050 Hz), is resampled to 16 kHz with a polyphase filter and
trimmed to its loudest 0.4 s; a few samples are pushed to full scale so clipping is covered too.

The definition implemented here, independently of the C code (see reference/frontend/mfcc.h):
samples / 32768; pre-emphasis y[n] = x[n] - 0.97 x[n-1] over the whole stream with x[-1] = 0;
frame k = y[160k : 160k + 400] times a symmetric Hamming window; |rfft(frame, 512)|^2; 40 triangular
filters between 20 and 8000 Hz on the HTK mel scale (2595 log10(1 + f/700)), a bin weighted
min((m - left) / (centre - left), (right - m) / (right - centre)) clipped at 0; ln(max(energy, 1e-10));
orthonormal DCT-II, first 13 coefficients.
"""
import os
import subprocess
import tempfile

import numpy as np
import scipy.fft
import scipy.io.wavfile
import scipy.signal

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
RATE, PREEMPHASIS, WINDOW, HOP, FFT, FILTERS, LOW, HIGH, FLOOR, CEPSTRA = (
    16000, 0.97, 400, 160, 512, 40, 20.0, 8000.0, 1e-10, 13)


def hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def mel_matrix():
    edges = np.linspace(hz_to_mel(LOW), hz_to_mel(HIGH), FILTERS + 2)
    bin_mel = hz_to_mel(np.arange(FFT // 2 + 1) * RATE / FFT)
    matrix = np.zeros((FILTERS, FFT // 2 + 1))
    for f in range(FILTERS):
        left, centre, right = edges[f], edges[f + 1], edges[f + 2]
        rising = (bin_mel - left) / (centre - left)
        falling = (right - bin_mel) / (right - centre)
        matrix[f] = np.maximum(0.0, np.minimum(rising, falling))
    return matrix


def mfcc(samples):
    x = samples.astype(np.float64) / 32768.0
    y = x - PREEMPHASIS * np.concatenate(([0.0], x[:-1]))
    count = (len(y) - WINDOW) // HOP + 1
    window = scipy.signal.get_window("hamming", WINDOW, fftbins=False)
    frames = np.stack([y[k * HOP:k * HOP + WINDOW] * window for k in range(count)])
    power = np.abs(np.fft.rfft(frames, FFT, axis=1)) ** 2
    log_mel = np.log(np.maximum(power @ mel_matrix().T, FLOOR))
    cepstra = scipy.fft.dct(log_mel, type=2, norm="ortho", axis=1)[:, :CEPSTRA]
    return log_mel, cepstra


def synthesize():
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "speech.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", path,
                        "Hey wakecert, please check the front end."], check=True)
        rate, audio = scipy.io.wavfile.read(path)
    audio = scipy.signal.resample_poly(audio.astype(np.float64), 320, 441)
    length = int(0.4 * RATE)
    energy = np.convolve(audio ** 2, np.ones(length), mode="valid")
    start = int(np.argmax(energy))
    audio = audio[start:start + length]
    audio = audio * (0.8 * 32767.0 / np.max(np.abs(audio)))
    audio[3000:3006] = [32767, 32767, -32768, -32768, 32767, -32768]  # full-scale clipping
    return np.clip(np.round(audio), -32768, 32767).astype(np.int16)


def main():
    os.makedirs(DATA, exist_ok=True)
    samples = synthesize()
    scipy.io.wavfile.write(os.path.join(DATA, "speech.wav"), RATE, samples)
    rate, samples = scipy.io.wavfile.read(os.path.join(DATA, "speech.wav"))
    log_mel, cepstra = mfcc(samples)
    with open(os.path.join(DATA, "speech_golden.txt"), "w") as out:
        out.write("# made by make_golden.py: frames filters cepstra, then per frame the log-mel energies and cepstra\n")
        out.write("%d %d %d\n" % (log_mel.shape[0], FILTERS, CEPSTRA))
        for k in range(log_mel.shape[0]):
            out.write(" ".join("%.9e" % v for v in np.concatenate((log_mel[k], cepstra[k]))) + "\n")
    print("%d samples, %d frames" % (len(samples), log_mel.shape[0]))


if __name__ == "__main__":
    main()
