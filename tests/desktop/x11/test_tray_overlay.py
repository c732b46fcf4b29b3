"""Tray icon and overlay on the rig: a real session D-Bus, a real tray host (Xfce's panel), real key
presses and speech, the menu driven through com.canonical.dbusmenu as a panel drives it."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from tests.helpers.x11.rig import Keyvox, wait_until, wer
from tests.helpers.x11.traykit import (
    PANEL_BAND,
    Item,
    SessionBus,
    XfcePanel,
    count_near,
    missing_tools,
    pixels,
    private_home,
    registered_items,
    screenshot,
)

pytestmark = pytest.mark.slow

pytest.importorskip("PySide6", reason="tray and overlay need keyvox[gui] (PySide6-Essentials)")

CONFIG = """
version = 1
[output]
method = "type"
[gui]
tray = true
overlay = true
overlay_position = "bottom-center"
"""
RECORDING_RED = "#d93025"
"""The recording colour of the tray icon and the overlay's dot (keyvox/desktop/gui/icons.py)."""
OVERLAY_TEXT = "#e8eaed"


@pytest.fixture(scope="module")
def session(desktop, tmp_path_factory):
    missing = missing_tools()
    if missing:
        pytest.skip(f"tray tests need {', '.join(missing)} (install them with scripts/test.sh)")
    workdir = tmp_path_factory.mktemp("tray")
    env = {**desktop.env, **private_home(workdir)}
    bus = SessionBus(workdir, env)
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
    panel = XfcePanel(workdir, env)
    time.sleep(1.0)  # let the panel draw itself before the "before" screenshot
    before = screenshot(env, workdir / "before.png")
    keyvox = Keyvox(workdir, env, CONFIG, name="gui")
    try:
        keyvox.wait_for(r"^Ready: hold Right Ctrl", 180)
        desktop.window.focus()
        yield env, keyvox, panel, before, workdir
    finally:
        code = keyvox.stop()
        panel.stop()
        bus.stop()
    assert code == 0, keyvox.output()


def the_item(env) -> Item:
    items = wait_until(lambda: registered_items(env), 20, 0.2, "keyvox's StatusNotifierItem")
    assert len(items) == 1, items
    return Item(env, items[0])


def test_tray_icon_appears_and_follows_a_dictation(desktop, window, session, manifest):
    env, keyvox, _, before, workdir = session
    item = the_item(env)
    wait_until(lambda: "keyvox: idle" in item.tooltip(), 10, 0.2, "the idle tooltip")
    after = screenshot(env, workdir / "idle.png")
    changed = sum(a != b for a, b in zip(pixels(before, PANEL_BAND), pixels(after, PANEL_BAND)))
    assert changed >= 100, f"the icon did not appear in the panel ({changed} pixels changed); see {after}"

    row = next(r for r in manifest if r["audio"].endswith("arctic_a0009.wav"))
    mark = keyvox.mark()
    desktop.key("down")
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    wait_until(lambda: "keyvox: recording" in item.tooltip(), 5, 0.1, "the recording tooltip")
    shot = screenshot(env, workdir / "recording.png")
    red = count_near(pixels(shot, PANEL_BAND), RECORDING_RED)
    desktop.pulse.play(row["path"])
    desktop.key("up")
    typed = window.wait_for_text()
    wait_until(lambda: "keyvox: idle" in item.tooltip(), 30, 0.2, "the idle tooltip after delivery")
    assert red >= 20, f"no red recording icon in the panel ({red} pixels); see {shot}"
    assert wer(row["text"], typed) <= 0.2, typed


def test_pause_from_the_menu_stops_the_hotkey_until_resume(desktop, window, session, manifest):
    env, keyvox, _, _, _ = session
    item = the_item(env)
    labels = item.menu_labels()
    for wanted in (
        "Pause dictation",
        "Re-insert last text",
        "Copy last text",
        "Recent",
        "Microphone",
        "Language",
        "Open config file",
        "Start at login",
        "Quit keyvox",
    ):
        assert any(label.startswith(wanted) for label in labels), (wanted, labels)

    mark = keyvox.mark()
    item.click("Pause dictation")
    keyvox.wait_for(r"^\[paused\]", 10, since=mark)
    wait_until(lambda: "keyvox: paused" in item.tooltip(), 5, 0.1, "the paused tooltip")
    desktop.key("down")
    keyvox.wait_for(r"^paused: not recording", 10, since=mark)
    time.sleep(0.5)
    desktop.key("up")
    time.sleep(0.5)
    assert "[recording]" not in keyvox.output().splitlines()[mark:], keyvox.output()

    mark = keyvox.mark()
    item.click("Resume dictation")
    keyvox.wait_for(r"^\[idle\]", 10, since=mark)
    row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
    desktop.dictate(keyvox, row["path"])
    typed = window.wait_for_text()
    assert wer(row["text"], typed) <= 0.25, typed


def test_copy_reinsert_and_recent_from_the_menu(desktop, window, session, manifest):
    env, keyvox, _, _, _ = session
    item = the_item(env)
    row = next(r for r in manifest if r["audio"].endswith("arctic_a0009.wav"))
    mark = keyvox.mark()
    desktop.dictate(keyvox, row["path"])
    typed = window.wait_for_text()
    keyvox.wait_for(r"^\[idle\]", 30, since=mark)

    desktop.clipboard("something else")
    item.click("Copy last text")
    wait_until(lambda: desktop.clipboard() == typed.strip(), 5, 0.1, "the last text on the clipboard")

    item.click("Re-insert last text")
    wait_until(lambda: window.text.count(typed.strip()) == 2, 10, 0.1, "the text typed a second time")

    recent = [label for label in item.menu_labels() if typed.strip()[:40] in label]
    assert recent, f"{typed!r} not under Recent: {sorted(item.menu_labels())}"


def overlay_windows(env, visible: bool = True) -> list[str]:
    args = ["xdotool", "search", *(["--onlyvisible"] if visible else []), "--name", "^keyvox overlay"]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=10).stdout.split()


def x(env, *args: str) -> str:
    return subprocess.run(
        ["xdotool", *args], env=env, capture_output=True, text=True, timeout=10
    ).stdout.strip()


def test_overlay_shows_the_words_without_taking_the_focus(desktop, window, session, manifest):
    env, keyvox, _, _, workdir = session
    target = x(env, "getwindowfocus")
    row = next(r for r in manifest if r["audio"].endswith("sense_and_sensibility_01_austen_64kb-0920.wav"))
    focus_seen: set[str] = set()
    titles: list[str] = []
    shots: list = []
    holding = threading.Event()
    holding.set()

    def watch() -> None:
        while holding.is_set():
            focus_seen.add(x(env, "getwindowfocus"))
            for window_id in overlay_windows(env):
                title = x(env, "getwindowname", window_id)
                if title.startswith("keyvox overlay: ") and (not titles or title != titles[-1]):
                    titles.append(title)
                    if not shots:
                        geometry = x(env, "getwindowgeometry", "--shell", window_id)
                        shots.append(
                            (
                                screenshot(env, workdir / "overlay.png"),
                                dict(line.split("=") for line in geometry.splitlines()),
                            )
                        )
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    mark = keyvox.mark()
    desktop.key("down")
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    watcher.start()
    try:
        desktop.pulse.play(row["path"])
        wait_until(lambda: shots, 15, 0.1, "live words in the overlay while the key is held")
    finally:
        desktop.key("up")
        holding.clear()
        watcher.join()
    typed = window.wait_for_text()
    wait_until(lambda: not overlay_windows(env), 10, 0.1, "the overlay to hide after delivery")

    assert focus_seen == {target}, f"the focus left the target window {target}: {focus_seen}"
    live = titles[0].removeprefix("keyvox overlay: ")
    spoken = set(row["text"].lower().split())
    assert {w.strip(".,!?").lower() for w in live.split()} & spoken, (live, row["text"])
    shot, geometry = shots[0]
    box = (int(geometry["X"]), int(geometry["Y"]), int(geometry["WIDTH"]), int(geometry["HEIGHT"]))
    region = pixels(shot, box)
    assert count_near(region, "#202124", 10) > len(region) // 2, f"no overlay at {box}; see {shot}"
    assert count_near(region, OVERLAY_TEXT, 60) >= 30, f"no words drawn in the overlay at {box}; see {shot}"
    assert wer(row["text"], typed) <= 0.3, typed


def test_choosing_a_microphone_reopens_it_and_dictation_goes_on(desktop, window, session, manifest):
    env, keyvox, _, _, _ = session
    item = the_item(env)
    labels = item.menu_labels()
    choices = [label for label in labels if label == "pulse"]  # PortAudio's PulseAudio device on the rig
    assert choices, f"no 'pulse' input under Microphone: {sorted(labels)}"
    assert item.checked("System default") is True and item.checked("pulse") is False
    mark = keyvox.mark()
    item.click("pulse")
    wait_until(lambda: item.checked("pulse"), 10, 0.2, "the chosen microphone to be checked")
    assert "error" not in "\n".join(keyvox.output().splitlines()[mark:]), keyvox.output()
    row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
    desktop.dictate(keyvox, row["path"])
    typed = window.wait_for_text()
    assert wer(row["text"], typed) <= 0.25, typed


def test_quit_from_the_menu_stops_keyvox_cleanly(session):
    env, keyvox, _, _, _ = session
    the_item(env).click("Quit keyvox")
    assert keyvox.process.wait(15) == 0, keyvox.output()
    wait_until(lambda: not registered_items(env), 10, 0.2, "the item to leave the tray")
