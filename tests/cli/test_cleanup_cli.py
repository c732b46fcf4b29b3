"""Clean-up through the real ``keyvox`` command line: a remote endpoint without allow_remote is a one-line
config error; ``keyvox doctor`` shows where each mode's clean-up sends text and whether it answers (the
endpoint is the scripted one, tests/helpers/chat_endpoint.py, standing in for a model server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers.chat_endpoint import ChatEndpoint
from tests.helpers.paths import REPO


def keyvox(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "keyvox", *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.parametrize("table", ["[cleanup]", '[[mode]]\nname = "mail"\n[mode.cleanup]'])
def test_a_remote_endpoint_without_allow_remote_is_a_one_line_config_error(tmp_path, table):
    config = tmp_path / "config.toml"
    config.write_text(f'version = 1\n{table}\nenabled = true\nendpoint = "https://api.example.com/v1"\n')
    done = keyvox("--config", str(config), "config", "show")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("keyvox: error: "), done.stderr
    assert "https://api.example.com/v1" in lines[0] and "allow_remote = true" in lines[0]
    config.write_text(config.read_text() + "allow_remote = true\n")
    assert keyvox("--config", str(config), "config", "show").returncode == 0


def test_doctor_shows_where_each_mode_sends_text_and_whether_it_answers(tmp_path):
    endpoint = ChatEndpoint().start()
    try:
        config = tmp_path / "config.toml"
        config.write_text(
            f'version = 1\n[cleanup]\nenabled = true\nendpoint = "{endpoint.url}"\n'
            '[[mode]]\nname = "mail"\n[mode.cleanup]\nendpoint = "http://127.0.0.1:9/v1"\n'
            '[[mode]]\nname = "plain"\n[mode.cleanup]\nenabled = false\n'
        )
        done = keyvox("--config", str(config), "doctor", "--json")
        checks = {c["mode"]: c for c in json.loads(done.stdout)["cleanup"]}
        text = keyvox("--config", str(config), "doctor").stdout
    finally:
        endpoint.stop()
    assert (checks["main"]["destination"], checks["main"]["answers"]) == (endpoint.url, True)
    assert (checks["mail"]["answers"], checks["plain"]["answers"]) == (False, None)
    assert endpoint.requests == [] and endpoint.gets == ["/v1/models", "/v1/models"]  # no text is sent
    assert f"main: sends text to {endpoint.url} (this machine): answers" in text
    assert "plain: off (nothing is sent)" in text
