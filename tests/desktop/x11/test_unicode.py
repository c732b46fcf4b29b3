"""Non-English speech with the multilingual model: accented characters reach the window intact."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[model]
name = "base"
language = "fr"
[output]
method = "{method}"
"""


@pytest.mark.parametrize("method", ["type", "clipboard-restore"])
def test_accented_text_arrives_intact(desktop, window, manifest, method):
    row = next(r for r in manifest if r["audio"].endswith("picovoice_leopard_test_fr.wav"))
    keyvox = desktop.start_keyvox(CONFIG.format(method=method), name=f"unicode-{method}")
    try:
        keyvox.wait_for(r"^Ready: .*faster-whisper base", 120)
        desktop.dictate(keyvox, row["path"])
        _, line = keyvox.wait_for(r"^text \(", 60)
        transcript = line.split("): ", 1)[1]
        typed = window.wait_for_text()
    finally:
        assert keyvox.stop() == 0, keyvox.output()
    assert "forêt" in transcript, transcript  # the model writes "forêt" or "forêts": either way an ê to carry
    assert typed == transcript  # every character, accents included, exactly as the engine wrote it
