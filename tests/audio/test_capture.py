"""The recorder's buffering, without a microphone: blocks go through the same callback the stream calls."""

from __future__ import annotations

import time

import numpy as np

from keyvox.audio.capture import CHUNK_SAMPLES, Recorder
from keyvox.audio.format import SAMPLE_RATE


class Collect:
    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []

    def feed(self, chunk: np.ndarray) -> None:
        self.chunks.append(chunk)


def block(value: float, frames: int = CHUNK_SAMPLES) -> np.ndarray:
    return np.full((frames, 1), value, dtype=np.float32)


def test_preroll_keeps_only_the_last_quarter_second():
    recorder = Recorder(preroll_s=0.25)
    for i in range(20):  # 20 blocks of 32 ms before the key goes down
        recorder._callback(block(i), CHUNK_SAMPLES, None, None)
    target = Collect()
    recorder.attach(target)
    recorder._callback(block(99), CHUNK_SAMPLES, None, None)
    assert recorder.detach() is target
    recorder._callback(block(100), CHUNK_SAMPLES, None, None)
    audio = np.concatenate(target.chunks)
    preroll = audio[:-CHUNK_SAMPLES]
    assert 0.25 <= preroll.size / SAMPLE_RATE < 0.25 + CHUNK_SAMPLES / SAMPLE_RATE
    assert preroll[-1] == 19 and audio[-1] == 99  # in order, and nothing after detach


def test_a_device_at_48_khz_is_resampled_to_16_khz():
    recorder = Recorder(preroll_s=0.0)
    recorder._rate = 48_000
    target = Collect()
    recorder.attach(target)
    t = np.arange(CHUNK_SAMPLES * 3) / 48_000
    recorder._callback(np.sin(2 * np.pi * 440 * t).astype(np.float32)[:, None], CHUNK_SAMPLES * 3, None, None)
    assert target.chunks[0].shape == (CHUNK_SAMPLES,)
    assert target.chunks[0].dtype == np.float32


def test_a_close_that_hangs_never_blocks_the_reconnection(monkeypatch):
    """A stand-in stream whose abort() hangs, as the ALSA plugin's did once after the audio server was
    killed mid-recording: that hang cannot be made to happen on demand, so it is faked here."""
    import threading

    import sounddevice as sd

    from keyvox.errors import KeyvoxError

    restarts: list[str] = []
    monkeypatch.setattr(sd, "_terminate", lambda: restarts.append("terminate"))
    monkeypatch.setattr(sd, "_initialize", lambda: restarts.append("initialize"))
    hang = threading.Event()

    class HangingStream:
        def abort(self) -> None:
            hang.wait(10)

        def close(self) -> None:
            pass

    opened: list[bool] = []

    def open_stream() -> None:
        opened.append(True)
        raise KeyvoxError("the audio server is not back yet")

    recorder = Recorder()
    monkeypatch.setattr(recorder, "_open_stream", open_stream)
    recorder._stream = HangingStream()
    recorder._close_stream()  # returns after 1 s although abort() still hangs
    assert not recorder._try_reopen()
    assert opened and restarts == []  # tried to open, without PortAudio's terminate
    hang.set()
    recorder._closing.join(2)
    assert not recorder._try_reopen()
    assert restarts == ["terminate", "initialize"]  # a close that finished: devices are re-scanned again


def test_a_microphone_opened_at_key_down_records_then_closes(tmp_path, monkeypatch):
    """``keep_open=False`` on the rig's real PulseAudio: nothing is open between recordings, and each
    recording gets its audio."""
    from tests.helpers.x11.rig import Pulse

    pulse = Pulse(tmp_path)
    try:
        for name, value in pulse.env.items():
            monkeypatch.setenv(name, value)
        import sounddevice as sd

        sd._terminate()  # PortAudio finds the rig's server only when it starts again with its address
        sd._initialize()
        recorder = Recorder(keep_open=False)
        recorder.open()
        assert recorder._stream is None and recorder.healthy
        for _ in range(2):
            target = Collect()
            recorder.attach(target)
            assert recorder._stream is not None
            deadline = time.monotonic() + 10
            while not target.chunks and time.monotonic() < deadline:
                time.sleep(0.01)
            assert recorder.detach() is target
            assert recorder._stream is None
            assert target.chunks and target.chunks[0].shape == (CHUNK_SAMPLES,)
        recorder.close()
    finally:
        pulse.stop()
        import sounddevice as sd

        sd._terminate()
        sd._initialize()
