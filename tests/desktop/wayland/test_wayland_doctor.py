"""`keyvox doctor` on Wayland: what typing, the hotkey and context do on this desktop, and the exact fix."""

from __future__ import annotations

import sys


def test_doctor_on_the_sway_rig(wayland):
    done = wayland.user_run(sys.executable, "-m", "keyvox", "doctor", timeout=120)
    out = done.stdout.decode()
    assert "display server: wayland" in out, out
    assert "Wayland desktop: sway" in out
    assert (
        "typing: keyvox's virtual keyboard (every Unicode character, in bursts as on X11), wtype as the "
        "fallback" in out
    )
    assert "focused window: from the compositor's IPC" in out


def test_gnome_names_the_fix(monkeypatch):
    from keyvox.desktop.output.wayland import doctor_hints

    for name in ("SWAYSOCK", "HYPRLAND_INSTANCE_SIGNATURE", "DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/nonexistent")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "ubuntu:GNOME")
    hints = doctor_hints()
    assert hints[0] == "Wayland desktop: gnome"
    assert any("no virtual-keyboard protocol" in line and "ydotool" in line for line in hints), hints
    assert any("Custom Shortcuts: `keyvox toggle`" in line for line in hints), hints
    assert hints[-1] == "focused window: not told by this desktop (none used)"


def test_no_hints_off_wayland(monkeypatch):
    from keyvox.desktop.output.wayland import doctor_hints

    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    assert doctor_hints() == []
