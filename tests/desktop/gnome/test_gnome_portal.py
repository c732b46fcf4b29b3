"""Typing through the desktop portal (org.freedesktop.portal.RemoteDesktop) on the GNOME rig, with the real
xdg-desktop-portal 1.16 and xdg-desktop-portal-gnome 43 on the rig's bus.

The consent is given as a user gives it: xdg-desktop-portal-gnome shows its "Remote desktop" dialog as a
window on mutter, and the keys a user would press reach it through mutter's own remote-desktop service
(Tab to "Allow remote interaction", Space to switch it on, Tab Tab to Share, Return). Debian's portal
offers RemoteDesktop version 1, which knows no persist_mode and hands back no restore token: the test
checks that keyvox then keeps none, so the token path (version 2 and later) is not run here."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

pytestmark = pytest.mark.slow

TAB, SPACE, RETURN, ESCAPE = 0xFF09, 0x20, 0xFF0D, 0xFF1B
ALLOW = (TAB, SPACE, TAB, TAB, RETURN)
"""The keys that answer the dialog: the switch, then Share (Share is greyed out until the switch is on)."""


@pytest.fixture
def portal(gnome, monkeypatch):
    if not shutil.which("/usr/libexec/xdg-desktop-portal-gnome") or not shutil.which(
        "/usr/libexec/xdg-desktop-portal"
    ):
        pytest.skip(
            "xdg-desktop-portal and xdg-desktop-portal-gnome are not installed (scripts/test.sh installs them)"
        )
    for name, value in gnome.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("SWAYSOCK", raising=False)
    started = gnome.start_portal()
    from keyvox.desktop.output import gnome as mutter
    from keyvox.desktop.output import portal as module

    yield module
    module.PORTAL.close()
    module.PORTAL.refused = False
    mutter.SESSION.close()
    for process in reversed(started):
        process.kill()
        process.wait(10)


def answer_dialog(keys: tuple[int, ...]) -> threading.Thread:
    """Press ``keys`` in the dialog once it is up, one at a time as a person would."""
    from keyvox.desktop.output.gnome import SESSION

    def press() -> None:
        time.sleep(1.5)  # the dialog opens on Start; keys sent before it is mapped reach the GTK window
        for key in keys:
            SESSION.send(iter([[(key, True), (key, False)]]))
            time.sleep(0.4)

    thread = threading.Thread(target=press, daemon=True)
    thread.start()
    return thread


def test_typing_through_the_portal_once_the_user_allows_it(gnome, window, portal):
    from keyvox.desktop.output.gnome import SESSION, key_taps

    SESSION.send(key_taps("x"))  # the rig's seat gets a keyboard, as a real session has from the start
    assert window.wait_for_text() == "x"
    window.clear()
    method = portal.PortalType()
    assert method.available() and portal.PORTAL.version() == 1
    answering = answer_dialog(ALLOW)
    text = "Through the portal: Grüße, café 😀 中文."
    method.insert(text)
    answering.join(10)
    assert window.wait_for_text(timeout=15) == text
    window.clear()
    method.insert("second, no dialog")  # the session is kept: no second question
    assert window.wait_for_text() == "second, no dialog"
    assert not portal.token_path().exists()  # version 1 hands back no restore token


def test_a_refused_dialog_falls_back_to_mutters_service(gnome, window, portal):
    from keyvox.desktop.output import wayland
    from keyvox.desktop.output.base import OutputFailed
    from keyvox.desktop.output.chain import OutputChain
    from keyvox.desktop.output.gnome import SESSION, key_taps

    SESSION.send(key_taps("x"))
    assert window.wait_for_text() == "x"
    window.clear()
    method = portal.PortalType()
    answering = answer_dialog((ESCAPE,))
    with pytest.raises(OutputFailed, match="did not allow"):
        method.insert("never typed")
    answering.join(10)
    assert not method.available()  # not asked again in this run
    lines: list[str] = []
    OutputChain(wayland.build("type"), report=lines.append).deliver("typed by mutter's service")
    assert window.wait_for_text() == "typed by mutter's service"


def test_doctor_names_the_portal_route_and_what_to_approve(gnome, portal):
    done = gnome.keyvox_command("doctor")
    out = done.stdout
    assert "typing: the remote desktop portal (org.freedesktop.portal.RemoteDesktop)" in out, (
        out + done.stderr
    )
    assert '"Allow remote interaction", then Share' in out and "asks again at every start" in out
    assert "typing: if the portal is refused, mutter's remote-desktop service" in out
    assert "clipboard: mutter's remote-desktop clipboard" in out
