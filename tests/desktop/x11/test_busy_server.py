"""Dictation while four clients keep the daemon's server busy: one engine worker serves both, dictation
first; every dictation lands correctly, every request gets its own text, and history keeps the audio and
the window each text went to."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import soundfile

from keyvox.desktop.history import History
from tests.desktop.x11.test_server_events import free_port
from tests.helpers.x11.rig import Keyvox, wer

pytestmark = pytest.mark.slow

REQUEST_CLIPS = ("arctic_a0007.wav", "arctic_a0009.wav", "61-70968-0000.wav", "cmu_arctic_us_aew_a0003.wav")
DICTATION_CLIPS = ("arctic_a0008.wav", "sense_and_sensibility_01_austen_64kb-0930.wav", "cards_005.wav")


def clip(manifest, name):
    return next(row for row in manifest if row["audio"].endswith(name))


class BusyClient(threading.Thread):
    """Posts one clip again and again over real HTTP until told to stop; keeps every answer."""

    def __init__(self, url: str, row: dict, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.row, self.stop = url, row, stop
        self.texts: list[str] = []
        self.refused = 0
        self.failures: list[str] = []

    def run(self) -> None:
        data = self.row["path"].read_bytes()
        with httpx.Client(timeout=120) as http:
            while not self.stop.is_set():
                answer = http.post(
                    f"{self.url}/v1/audio/transcriptions",
                    files={"file": ("clip.wav", data)},
                    data={"model": "whisper-1"},
                )
                if answer.status_code == 503:
                    self.refused += 1
                    time.sleep(0.2)
                elif answer.status_code == 200:
                    self.texts.append(answer.json()["text"])
                else:
                    self.failures.append(f"{answer.status_code} {answer.text}")


def test_dictation_goes_first_while_four_clients_keep_the_server_busy(desktop, window, manifest, tmp_path):
    port = free_port()
    config = (
        f'version = 1\n[output]\nmethod = "type"\n[server]\nenabled = true\nport = {port}\n'
        "[history]\nstore_audio = true\n"
    )
    keyvox = Keyvox(desktop.workdir, {**desktop.env, "XDG_DATA_HOME": str(tmp_path)}, config, name="busy")
    stop = threading.Event()
    clients = [BusyClient(f"http://127.0.0.1:{port}", clip(manifest, name), stop) for name in REQUEST_CLIPS]
    try:
        keyvox.wait_for(r"^Ready: hold Right Ctrl", 120)
        for client in clients:
            client.start()
        wait_for_answers(clients, 1)
        typed, answered_during = [], []
        for name in DICTATION_CLIPS:
            row = clip(manifest, name)
            window.clear()
            before = sum(len(c.texts) for c in clients)
            desktop.dictate(keyvox, row["path"])
            text = window.wait_for_text(timeout=120)
            answered_during.append(sum(len(c.texts) for c in clients) - before)
            assert wer(row["text"], text) <= 0.2, (row["text"], text, keyvox.output())
            typed.append(text)
    finally:
        stop.set()
        for client in clients:
            client.join(150)
        code = keyvox.stop()
    assert code == 0, keyvox.output()
    assert sum(answered_during) > 0, "the server was not answering while dictation ran"

    references = [client.row["text"] for client in clients]
    for client in clients:
        assert client.texts and not client.failures, (client.row["audio"], client.failures)
        for text in client.texts:  # each answer is its own clip's text, not a neighbour's
            errors = [wer(reference, text) for reference in references]
            assert errors[clients.index(client)] <= 0.2 and errors.index(min(errors)) == clients.index(
                client
            ), (client.row["text"], text)

    history = History(tmp_path / "keyvox" / "history.sqlite3")
    try:
        entries = list(reversed(history.search(limit=0)))
    finally:
        history.close()
    assert [entry.text for entry in entries] == typed
    for entry, name in zip(entries, DICTATION_CLIPS):
        assert entry.window and "keyvox-rig-target" in entry.window, entry.window
        info = soundfile.info(entry.audio_path)
        assert info.samplerate == 16_000
        # The stored audio is the whole recording: the clip plus the pre-roll and the key's slack.
        assert (
            clip(manifest, name)["duration_s"] - 0.1
            <= info.duration
            <= clip(manifest, name)["duration_s"] + 2.5
        )


def wait_for_answers(clients: list[BusyClient], count: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while any(len(client.texts) < count for client in clients):
        if time.monotonic() > deadline:
            raise TimeoutError([(c.row["audio"], c.texts, c.failures) for c in clients])
        time.sleep(0.1)
