"""Keep the C libraries' diagnostics out of the daemon's terminal.

PortAudio and ALSA print lines such as ``Expression '...' failed in 'src/hostapi/alsa/...'`` straight
to file descriptor 2 when the audio server goes away. keyvox reports that itself, in one line, so
while the daemon runs fd 2 goes through a pipe that drops those lines and passes everything else on.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

NOISE = (
    b"Expression '",
    b"ALSA lib ",
    b"Cannot connect to server",
    b"jack server",
    b"JackShmReadWritePtr",
    b"PaAlsaStream",
    b"Assertion 'pa_",
)


@contextlib.contextmanager
def quiet_native_stderr():
    if not sys.platform.startswith("linux"):
        yield
        return
    sys.stderr.flush()
    real = os.dup(2)
    read, write = os.pipe()
    os.dup2(write, 2)
    os.close(write)
    pump = threading.Thread(target=_pump, args=(read, real), name="keyvox-stderr", daemon=True)
    pump.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(real, 2)  # closes the pipe's last write end: the pump sees EOF and finishes
        pump.join(1.0)
        os.close(real)


def _pump(read: int, real: int) -> None:
    pending = b""
    with os.fdopen(read, "rb", buffering=0) as source:
        while True:
            try:
                data = source.read(4096)
            except OSError:
                break
            if not data:
                break
            *lines, pending = (pending + data).split(b"\n")
            for line in lines:
                if line.strip() and not line.lstrip().startswith(NOISE):
                    os.write(real, line + b"\n")
    if pending.strip() and not pending.lstrip().startswith(NOISE):
        os.write(real, pending)
