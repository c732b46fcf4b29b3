"""The remote backend against a real ``keyvox serve`` on loopback, including the server being down."""

from __future__ import annotations

import socket

import pytest

from keyvox.audio.files import load_audio
from keyvox.bench.wer import word_errors
from keyvox.cli.main import main
from keyvox.config.load import parse_config
from keyvox.config.schema import Config
from keyvox.desktop.history import History
from keyvox.engines.factory import create_transcriber
from keyvox.engines.remote import RemoteError, RemoteTranscriber, saved_audio
from keyvox.errors import ConfigError
from tests.helpers.serverkit import running_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clip(manifest):
    rows = [r for r in manifest if r["lang"] == "en" and 3.0 <= r["duration_s"] <= 8.0]
    return min(rows, key=lambda r: abs(r["duration_s"] - 5.0))


MAX_WER = 0.12
"""Word error rate allowed against the clip's reference: tiny.en makes 0 errors in the 9 words of
arctic_a0009 (the clip below); one error is allowed."""


def wer(clip: dict, text: str) -> float:
    return word_errors(clip["text"], text, "en").rate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def remote_config(url: str, **remote) -> Config:
    config = Config()
    config.model.backend = "remote"
    config.remote.url = url
    for key, value in remote.items():
        setattr(config.remote, key, value)
    return config


def test_remote_backend_transcribes_through_keyvox_serve(tiny_en, clip):
    audio = load_audio(clip["path"])
    with running_server(tiny_en) as handle:
        remote = create_transcriber(remote_config(f"{handle.url}/v1"))
        assert isinstance(remote, RemoteTranscriber) and "remote" in remote.description
        result = remote.transcribe_detailed(audio, context="The wizard of Oz.", vocabulary=["Oz"])
    local = tiny_en.transcribe_detailed(audio).text
    assert result.text == local  # the same model on the other end gives the same words
    assert wer(clip, result.text) <= MAX_WER, result.text
    assert result.duration_s == pytest.approx(clip["duration_s"], abs=0.01)
    assert saved_audio() == []


def test_remote_backend_sends_the_api_key(tiny_en, clip, monkeypatch):
    audio = load_audio(clip["path"])
    monkeypatch.setenv("KEYVOX_REMOTE_KEY", "k-123")
    with running_server(tiny_en, api_key="k-123") as handle:
        good = create_transcriber(remote_config(f"{handle.url}/v1", api_key_env="KEYVOX_REMOTE_KEY"))
        assert wer(clip, good.transcribe(audio)) <= MAX_WER
        keyless = create_transcriber(remote_config(f"{handle.url}/v1"))
        with pytest.raises(RemoteError, match="answered 401: Incorrect API key"):
            keyless.transcribe(audio)
    assert len(saved_audio()) == 1  # even a refused request keeps its audio


def test_server_down_gives_one_line_and_keyvox_retry_sends_it_later(tiny_en, clip, tmp_path, capsys):
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    remote = create_transcriber(remote_config(url, timeout=5.0))
    audio = load_audio(clip["path"])
    with pytest.raises(RemoteError) as caught:
        remote.transcribe_detailed(audio, context="Oz")
    message = str(caught.value)
    assert (
        "\n" not in message and f"cannot reach remote server {url}" in message and "keyvox retry" in message
    )
    [kept] = saved_audio()
    assert str(kept.wav) in message and kept.prompt() == "Oz"
    assert load_audio(kept.wav).shape == audio.shape

    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'version = 1\n[model]\nbackend = "remote"\n[remote]\nurl = "{url}"\ntimeout = 5.0\n'
    )
    assert main(["--config", str(config_file), "retry"]) == 2  # still down: one line, the audio stays
    assert capsys.readouterr().err.count("\n") == 1 and len(saved_audio()) == 1
    assert main(["--config", str(config_file), "retry", "--list"]) == 0
    assert str(kept.wav) in capsys.readouterr().out

    with running_server(tiny_en, port=port):
        assert main(["--config", str(config_file), "retry"]) == 0
    printed = capsys.readouterr().out.strip()
    assert wer(clip, printed) <= MAX_WER, printed
    assert saved_audio() == []
    assert [e.text for e in History().search("")] == [printed]


def test_a_server_that_never_answers_times_out(clip):
    with socket.socket() as silent:  # accepts connections (the kernel does) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        remote = create_transcriber(
            remote_config(f"http://127.0.0.1:{silent.getsockname()[1]}/v1", timeout=0.5)
        )
        with pytest.raises(RemoteError, match=r"did not answer within 0\.5 s.*keyvox retry"):
            remote.transcribe(load_audio(clip["path"]))
    assert len(saved_audio()) == 1


def test_remote_config_is_checked(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match=r"needs \[remote\] url"):
        parse_config('[model]\nbackend = "remote"\n', tmp_path / "c.toml")
    loaded = parse_config(
        '[model]\nbackend = "remote"\n[remote]\nurl = "gpu-box:8765"\n', tmp_path / "c.toml"
    )
    with pytest.raises(ConfigError, match="must start with http"):
        create_transcriber(loaded.config)
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    with pytest.raises(ConfigError, match="NO_SUCH_KEY_VAR"):
        create_transcriber(remote_config("http://127.0.0.1:9/v1", api_key_env="NO_SUCH_KEY_VAR"))
