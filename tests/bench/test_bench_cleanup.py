"""``keyvox bench --cleanup`` on two real clips: each runs with clean-up on and off, and the report says what
clean-up added to release → text. The endpoint is the scripted one (tests/helpers/chat_endpoint.py, a real
HTTP server on loopback standing in for the model), answering after a fixed 0.3 s so the cost is known
(the two runs of a clip differ by up to ~0.1 s besides)."""

import json

import pytest

from keyvox.cli.main import main
from tests.conftest import SPEECH_DIR
from tests.helpers.chat_endpoint import ChatEndpoint, Reply

pytestmark = pytest.mark.slow


def test_two_clips_report_what_clean_up_adds(tmp_path, capsys):
    endpoint = ChatEndpoint(Reply("", stall_s=0.3)).start()  # empty: rejected, so the chain text is typed
    config = tmp_path / "config.toml"
    config.write_text(f'version = 1\n[cleanup]\nendpoint = "{endpoint.url}"\ntimeout_s = 5.0\n')
    out = tmp_path / "out.json"
    try:
        code = main(
            ["--config", str(config), "bench", "--manifest", str(SPEECH_DIR / "manifest.jsonl")]
            + ["--lang", "en", "--limit", "2", "--no-silence", "--cleanup", "--json", str(out)]
        )
    finally:
        endpoint.stop()
    assert code == 0
    assert "clean-up adds to release → text: p50" in capsys.readouterr().out
    result = json.loads(out.read_text())
    cost = result["cleanup_cost"]
    assert cost["clips"] == 2 and 0.15 <= cost["added_p50_s"] <= cost["added_p95_s"] < 1.5, cost
    assert len(endpoint.requests) == 2  # one per clip, only on the side with clean-up on
    assert "--cleanup" in result["settings"]["command"]
