"""keyvox's own virtual-keyboard client against a stand-in compositor (no desktop needed).

What arrives in a real window is tested on the sway rig (tests/desktop/wayland/test_wayland_virtual_keyboard.py);
here: the keymaps and keys on the wire, the round trips, and each way the compositor can say no.
"""

from __future__ import annotations

import pytest

from keyvox.desktop.output import virtual_keyboard
from keyvox.desktop.output.base import OutputFailed
from tests.helpers.fake_compositor import FakeCompositor


@pytest.fixture
def compositor(tmp_path, monkeypatch):
    made = []

    def start(**options) -> FakeCompositor:
        fake = FakeCompositor(tmp_path, **options)
        made.append(fake)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
        monkeypatch.setenv("WAYLAND_DISPLAY", fake.path.name)
        return fake

    yield start
    for fake in made:
        fake.close()


def test_keys_arrive_in_order_with_one_key_per_distinct_character(compositor):
    fake = compositor()
    text = "Grüße, naïve café — 東京 😀\nnext\tline"
    virtual_keyboard.type_text(text)
    expected = ["VoidSymbol"] + [{"\n": "Return", "\t": "Tab"}.get(c, f"U{ord(c):04X}") for c in text]
    assert fake.typed() == expected
    assert len(fake.keymaps) == 1
    assert fake.keymaps[0].count("key <K") == len(set(text)) + 1  # each character once, and VoidSymbol
    assert [state for _, state in fake.keys] == [1, 0] * (len(text) + 1)  # every press released at once


def test_one_round_trip_per_burst_and_at_the_end(compositor):
    fake = compositor()
    text = "abcdefghij" * 10  # 100 characters: bursts of 32, 32, 32, 4
    virtual_keyboard.type_text(text)
    keys_at_sync = fake.syncs_after_key[-5:]
    # After the keymap and priming key (2 key events), then after each burst (64 key events per 32 characters).
    assert keys_at_sync == [2, 2 + 64, 2 + 128, 2 + 192, 2 + 200]


def test_more_characters_than_keys_type_in_parts_with_their_own_keymaps(compositor):
    fake = compositor()
    text = "".join(chr(0x4E00 + i) for i in range(600)) + "end"
    virtual_keyboard.type_text(text)
    assert len(fake.keymaps) == 3  # 246 keys each (Xwayland's keycodes end at 255)
    assert [name for name in fake.typed() if name != "VoidSymbol"] == [f"U{ord(c):04X}" for c in text]
    assert max(key for key, _ in fake.keys) <= virtual_keyboard.LAST_KEY


def test_control_characters_are_left_out():
    assert virtual_keyboard.split_keymaps("a\x00b\x7fc\r") == [(["U0061", "U0062", "U0063"], [2, 3, 4])]
    assert virtual_keyboard.split_keymaps("\x01") == []


def test_no_protocol_is_its_own_failure(compositor):
    compositor(offer_keyboard=False)
    with pytest.raises(virtual_keyboard.NoProtocol, match="no virtual-keyboard protocol"):
        virtual_keyboard.type_text("hello")
    assert virtual_keyboard.protocol_offered() is False


def test_a_refusal_is_one_line_naming_the_request(compositor):
    compositor(refuse=True)
    with pytest.raises(OutputFailed) as failure:
        virtual_keyboard.type_text("hello")
    message = str(failure.value)
    assert "\n" not in message
    assert "zwp_virtual_keyboard_manager_v1" in message and "not allowed here" in message
    assert not isinstance(failure.value, virtual_keyboard.NoProtocol)


def test_no_socket_is_one_line_naming_the_path(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-9")
    with pytest.raises(OutputFailed, match=f"cannot connect to {tmp_path}/wayland-9"):
        virtual_keyboard.type_text("hello")
    monkeypatch.delenv("WAYLAND_DISPLAY")
    with pytest.raises(OutputFailed, match="WAYLAND_DISPLAY is not set"):
        virtual_keyboard.type_text("hello")
    assert virtual_keyboard.protocol_offered() is None


def test_pause_only_when_the_seat_had_no_keyboard(compositor, monkeypatch):
    slept = []
    monkeypatch.setattr(virtual_keyboard.time, "sleep", slept.append)
    compositor(seat_has_keyboard=True)
    virtual_keyboard.type_text("hi")
    assert slept == []
    compositor(seat_has_keyboard=False, name="wayland-headless")
    virtual_keyboard.type_text("hi")
    assert slept == [virtual_keyboard.PRIMING_PAUSE_S]


def test_backspace_presses(compositor):
    fake = compositor()
    virtual_keyboard.press_keys("BackSpace", 3)
    assert fake.typed() == ["VoidSymbol", "BackSpace", "BackSpace", "BackSpace"]


def test_long_texts_are_paced_after_the_first_300_characters(compositor, monkeypatch):
    slept = []
    monkeypatch.setattr(virtual_keyboard.time, "sleep", slept.append)
    compositor()
    virtual_keyboard.type_text("x" * 300)
    assert slept == []
    virtual_keyboard.type_text("x" * 400)  # bursts end at 320, 352, 384 and 400: each paced
    assert len(slept) == 4 and all(0 < pause <= 32 * virtual_keyboard.PACE_S for pause in slept)


def test_doctor_says_which_way_typing_goes(compositor, monkeypatch):
    from keyvox.desktop.output.wayland import doctor_hints

    for name in ("SWAYSOCK", "HYPRLAND_INSTANCE_SIGNATURE", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "KDE")
    compositor()
    assert any(line.startswith("typing: keyvox's virtual keyboard") for line in doctor_hints())
    compositor(offer_keyboard=False, name="wayland-old-kwin")
    assert any("no virtual-keyboard protocol" in line and "ydotool" in line for line in doctor_hints())


class NextMethod:
    """The method after the virtual keyboard in the chain; it records what it was asked to insert."""

    name = "next"

    def __init__(self) -> None:
        self.tried: list[str] = []

    def available(self) -> bool:
        return True

    def insert(self, text: str, *, keys_up=None) -> None:
        self.tried.append(text)


def test_a_compositor_gone_mid_text_stops_the_chain_and_keeps_the_text(compositor, monkeypatch):
    """Keys already sent may be in the window: wtype or a paste after them would insert the text twice."""
    from keyvox.desktop.output import clipboard
    from keyvox.desktop.output.chain import OutputChain
    from keyvox.desktop.output.wayland import VirtualKeyboardType

    compositor(hang_up_after_keys=40)
    kept, reports = [], []
    monkeypatch.setattr(
        clipboard, "write_clipboard", lambda text, selection="clipboard": kept.append(text) or True
    )
    text = "a text long enough for two bursts of keys " * 3
    after = NextMethod()
    OutputChain([VirtualKeyboardType(), after], report=reports.append).deliver(text)
    assert after.tried == [] and kept == [text]
    assert (
        len(reports) == 1
        and "after part of the text was sent" in reports[0]
        and "on the clipboard" in reports[0]
    )


def test_a_compositor_gone_before_any_key_lets_the_next_method_type(compositor):
    from keyvox.desktop.output.chain import OutputChain
    from keyvox.desktop.output.wayland import VirtualKeyboardType

    compositor(hang_up_after_keys=1)  # during the priming key, before any of the text
    after, reports = NextMethod(), []
    OutputChain([VirtualKeyboardType(), after], report=reports.append).deliver("hello")
    assert after.tried == ["hello"] and reports == []
