"""The output chain on the rig's X server, without speech: Unicode typing and the last-resort path."""

from __future__ import annotations

import pytest

from keyvox.desktop.output.chain import OutputChain, build_methods
from keyvox.desktop.output.methods import CommandType
from keyvox.platform.session import Session

pytestmark = pytest.mark.slow

SAMPLE = "Café naïve – 日本語 ✓ Ünïcödé"


@pytest.fixture
def on_desktop(desktop, monkeypatch):
    for name, value in desktop.env.items():
        monkeypatch.setenv(name, value)
    return desktop


@pytest.mark.parametrize("method", ["type", "clipboard-restore", "auto"])
def test_unicode_reaches_the_window(on_desktop, window, method):
    chain = OutputChain(build_methods(method, session=Session.X11))
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


def test_burst_typing_waits_while_a_modifier_is_held(on_desktop, window):
    """A letter typed while Ctrl is physically down would be a shortcut: typing must hold off until it is up."""
    import threading
    import time

    from keyvox.desktop.output.xtest_type import type_text

    text = "Burst typing keeps every letter in order, even three hundred of them. " * 4
    on_desktop.key("down", "ctrl_r")
    try:
        typing = threading.Thread(target=type_text, args=(text,))
        typing.start()
        time.sleep(0.5)
        assert window.text == ""  # nothing typed (and no Ctrl+letter shortcut fired) while Ctrl is down
    finally:
        on_desktop.key("up", "ctrl_r")
    typing.join(10)
    assert window.wait_for_text() == text


def test_the_chain_hands_its_keys_up_event_to_typing_mid_text(on_desktop, window):
    """The hotkey pressed again while the chain types pauses it after the letters already sent, not only before
    it starts: the event given to the chain reaches the method that types."""
    import threading
    import time

    from keyvox.desktop.output.methods import XTestType
    from tests.helpers.x11.rig import wait_until

    keys_up = threading.Event()
    keys_up.set()
    text = "Typing stops while the hotkey is down and resumes where it stopped. " * 3
    chain = OutputChain([XTestType(delay_ms=15)], wait_for_keys=keys_up)
    typing = threading.Thread(target=chain.deliver, args=(text,))
    typing.start()
    try:
        wait_until(lambda: window.text, 10, what="the first letters")
        keys_up.clear()
        time.sleep(0.5)  # letters already sent reach the window
        held = window.text
        time.sleep(0.7)
        assert window.text == held and len(held) < len(text)
    finally:
        keys_up.set()
    typing.join(30)
    assert window.wait_for_text() == text and chain.last_method == "xtest type"
