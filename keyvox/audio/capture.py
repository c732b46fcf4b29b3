"""The microphone: a sounddevice input stream at 16 kHz mono float32 with a pre-roll ring buffer.

By default the stream stays open while the daemon runs, so the moment before the key went down is already
in the ring buffer (the first word is never cut); ``keep_open=False`` opens it at key-down and closes it
after, so an idle daemon costs nothing (benchmarks/README.md, "Light when idle"). A watchdog notices when
the device or the audio server goes away, reports it once, and reopens the stream when it comes back; the
daemon itself never dies of it.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from keyvox.audio.files import resample
from keyvox.audio.format import SAMPLE_RATE
from keyvox.errors import KeyvoxError
from keyvox.vocabulary import Notice, NoticeKind

log = logging.getLogger(__name__)

CHUNK_SAMPLES = 512
"""Samples per block the recorder hands on (32 ms at 16 kHz); the benchmark feeds clips in this size."""
STALL_S = 2.0
"""No audio for this long means the device or the audio server is gone."""
MICROPHONE_LOST = Notice(
    NoticeKind.MICROPHONE_LOST,
    "microphone stopped delivering audio (device or audio server gone); "
    "keyvox keeps running and will reconnect when it is back",
)
MICROPHONE_BACK = Notice(NoticeKind.MICROPHONE_BACK, "microphone is back")


class Sink(Protocol):
    def feed(self, chunk: np.ndarray) -> None: ...


@dataclass
class InputDevice:
    index: int
    name: str
    default_rate: float
    is_default: bool


def list_input_devices() -> list[InputDevice]:
    import sounddevice as sd

    try:
        default = sd.default.device[0]
        devices = sd.query_devices()
    except Exception as exc:
        raise KeyvoxError(f"cannot list audio devices ({exc})") from None
    return [
        InputDevice(i, d["name"], d["default_samplerate"], i == default)
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    ]


def describe_devices() -> str:
    try:
        devices = list_input_devices()
    except KeyvoxError:
        return "none"
    return ", ".join(f"{d.index}: {d.name}" for d in devices) or "none"


def resolve_device(wanted: str | int) -> int | None:
    """``[audio] device`` → a PortAudio index (None for the system default)."""
    if wanted == "" or wanted is None:
        return None
    devices = list_input_devices()
    if isinstance(wanted, int) or str(wanted).isdigit():
        index = int(wanted)
        if any(d.index == index for d in devices):
            return index
    else:
        exact = [d for d in devices if d.name.lower() == str(wanted).lower()]
        partial = [d for d in devices if str(wanted).lower() in d.name.lower()]
        if exact or partial:
            return (exact or partial)[0].index
    listing = ", ".join(f"{d.index}: {d.name}" for d in devices) or "none"
    raise KeyvoxError(
        f'[audio] device = "{wanted}": no such input device (input devices: {listing}); '
        "pick one from `keyvox devices`"
    )


class Recorder:
    """Keeps the microphone open and feeds the current utterance (plus the pre-roll before it)."""

    def __init__(
        self,
        device: str | int = "",
        preroll_s: float = 0.25,
        on_notice: Callable[[Notice], None] | None = None,
        on_level: Callable[[float], None] | None = None,
        keep_open: bool = True,
    ) -> None:
        self.wanted = device
        self.preroll_s = preroll_s
        self.keep_open = keep_open
        """False: the stream is open only while an utterance is attached (no pre-roll then)."""
        self.on_notice = on_notice or (lambda notice: None)
        """Called from the watchdog when the microphone is lost and when it is back."""
        self.on_level = on_level
        """Called with each chunk's RMS while an utterance is attached (the overlay's level meter)."""
        self._ring: collections.deque[np.ndarray] = collections.deque(
            maxlen=int(np.ceil(preroll_s * SAMPLE_RATE / CHUNK_SAMPLES))
        )
        self._target: Sink | None = None
        self._lock = threading.Lock()
        self._stream = None
        self._rate = SAMPLE_RATE
        self._last_audio = 0.0
        self._last_try = 0.0
        """When the watchdog last tried to reopen a lost microphone (``time.monotonic()``)."""
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._closing: threading.Thread | None = None
        """The thread closing the last stream; alive while that close hangs."""
        self.healthy = False

    # --- lifecycle -----------------------------------------------------------------------------

    def open(self) -> None:
        """Open the stream now; raise a one-line ``KeyvoxError`` listing the devices when it cannot."""
        self._open_stream()
        if not self.keep_open:
            self._close_stream()  # it opens: the device is there; it is opened again at key-down
        self._watchdog = threading.Thread(target=self._watch, name="keyvox-mic-watchdog", daemon=True)
        self._watchdog.start()

    def close(self) -> None:
        self._stop.set()
        self._close_stream()

    # --- used by the daemon --------------------------------------------------------------------

    def attach(self, target: Sink) -> None:
        """Start feeding ``target``: first the pre-roll, then live audio."""
        if not self.keep_open and self._stream is None:
            try:
                self._open_stream()
            except KeyvoxError as exc:
                log.info("microphone did not open at key-down: %s", exc)
                if self.healthy:
                    self.healthy = False
                    self.on_notice(MICROPHONE_LOST)
                return
        with self._lock:
            for chunk in self._ring:
                target.feed(chunk)
            self._ring.clear()
            self._target = target

    def detach(self) -> Sink | None:
        with self._lock:
            target, self._target = self._target, None
        if not self.keep_open:
            self._close_stream()
        return target

    def use_device(self, wanted: str | int) -> None:
        """Switch to another input device now (the tray's microphone menu). When it cannot be opened, a
        one-line ``KeyvoxError`` is raised and the previous device is opened again."""
        previous, self.wanted = self.wanted, wanted
        self._close_stream()
        try:
            self._open_stream()
        except KeyvoxError:
            self.wanted = previous
            try:
                self._open_stream()
            except KeyvoxError:
                self.healthy = False  # the watchdog keeps trying, as after any loss
            raise

    # --- internals -----------------------------------------------------------------------------

    def _callback(self, indata, frames, time_info, status) -> None:
        chunk = indata[:, 0].astype(np.float32, copy=True)
        if self._rate != SAMPLE_RATE:
            chunk = resample(chunk, int(self._rate))
        self._last_audio = time.monotonic()
        with self._lock:
            target = self._target
            if target is not None:
                target.feed(chunk)
            else:
                self._ring.append(chunk)
        if target is not None and self.on_level is not None:
            self.on_level(chunk_rms(chunk))

    def _open_stream(self) -> None:
        import sounddevice as sd

        try:
            device = resolve_device(self.wanted)
            rate = SAMPLE_RATE
            try:
                sd.check_input_settings(device=device, channels=1, dtype="float32", samplerate=SAMPLE_RATE)
            except Exception:  # the device cannot open at 16 kHz: record at its own rate and resample
                rate = int(sd.query_devices(device, "input")["default_samplerate"])
            stream = sd.InputStream(
                device=device,
                channels=1,
                dtype="float32",
                samplerate=rate,
                blocksize=int(CHUNK_SAMPLES * rate / SAMPLE_RATE),
                callback=self._callback,
            )
            stream.start()
        except KeyvoxError:
            raise
        except Exception as exc:
            raise KeyvoxError(
                f"cannot open the microphone ({_first_line(exc)}); input devices: "
                f"{describe_devices()}; plug one in or set [audio] device (see `keyvox devices`)"
            ) from None
        self._rate = rate
        self._stream = stream
        self._last_audio = time.monotonic()
        self.healthy = True

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        # Closing a stream whose server vanished can hang inside the ALSA plugin: do it off-thread.
        closer = threading.Thread(target=_quiet_close, args=(stream,), daemon=True)
        closer.start()
        closer.join(1.0)
        self._closing = closer

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            stream = self._stream
            if self.healthy and stream is None and not self.keep_open:
                continue  # closed between utterances on purpose
            if self.healthy and stream is not None:
                stalled = time.monotonic() - self._last_audio > STALL_S
                if stream is not self._stream:
                    continue  # closed at key-up meanwhile: never ask a closed stream anything
                if stalled or not stream.active:
                    log.info("microphone lost: stalled=%s active=%s", stalled, stream.active)
                    self.healthy = False
                    self.on_notice(MICROPHONE_LOST)
                    self._close_stream()
                    self._last_try = 0.0
                continue
            if not self.healthy and time.monotonic() - self._last_try >= 1.0:
                self._last_try = time.monotonic()
                if self._try_reopen():
                    self.on_notice(MICROPHONE_BACK)
                    if not self.keep_open and self._target is None:
                        self._close_stream()

    def _try_reopen(self) -> bool:
        import sounddevice as sd

        try:
            if self._closing is None or not self._closing.is_alive():
                # Re-scan devices: the server or the device may have changed. Never while the last close
                # hangs (an ALSA plugin whose audio server was killed): PortAudio's terminate closes every
                # open stream, would hang on that one too, and the microphone would never come back.
                # Opening the default device again reaches the restarted server without a re-scan.
                sd._terminate()
                sd._initialize()
            self._open_stream()
        except Exception as exc:
            log.debug("microphone still unavailable: %s", exc)
            return False
        # A server that has only just come back may accept the stream before audio flows: wait for audio.
        opened = self._last_audio
        deadline = time.monotonic() + STALL_S
        while time.monotonic() < deadline and self._last_audio == opened:
            time.sleep(0.05)
        if self._last_audio == opened:
            self.healthy = False
            self._close_stream()
            return False
        return True


def chunk_rms(chunk: np.ndarray) -> float:
    """Root mean square of a float32 chunk: one dot product (~1 µs for 512 samples)."""
    if chunk.shape[0] == 0:
        return 0.0
    return float(np.sqrt(np.dot(chunk, chunk) / chunk.shape[0]))


def _quiet_close(stream) -> None:
    try:
        stream.abort()
        stream.close()
    except Exception:
        pass


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
