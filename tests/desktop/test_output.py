"""The output chain on the rig's X server, without speech: Unicode typing and the last-resort path."""

from __future__ import annotations

import pytest

from keyvox.output import OutputChain, build_methods
from keyvox.output.methods import CommandType

pytestmark = pytest.mark.slow

SAMPLE = "Café naïve – 日本語 ✓ Ünïcödé"


@pytest.fixture
def on_desktop(desktop, monkeypatch):
    for name, value in desktop.env.items():
        monkeypatch.setenv(name, value)
    return desktop


@pytest.mark.parametrize("method", ["type", "clipboard-restore", "auto"])
def test_unicode_reaches_the_window(on_desktop, window, method):
    chain = OutputChain(build_methods(method, session="x11"))
    chain.deliver(SAMPLE)
    assert window.wait_for_text() == SAMPLE


def test_when_every_method_fails_the_text_is_kept_and_printed(on_desktop, window):
    lines: list[str] = []
    chain = OutputChain([CommandType(["keyvox-no-such-typer"])], report=lines.append)
    chain.deliver(SAMPLE)
    assert len(lines) == 1 and lines[0].endswith(f"it is on the clipboard: {SAMPLE}"), lines
    assert "keyvox-no-such-typer: not installed" in lines[0]
    assert on_desktop.clipboard() == SAMPLE
    assert window.text == ""
