"""What ``keyvox doctor`` says about typing and the clipboard on GNOME: which route GNOME gives (the desktop
portal, mutter's session-bus service, or none) and what the user must approve."""

from __future__ import annotations

from keyvox.desktop.output import gnome, portal
from keyvox.desktop.output.gnome_clipboard import CLIPBOARD

MUTTER = (
    "mutter's remote-desktop service on the session bus (nothing to approve; characters outside the keyboard "
    "layout go in as GTK's Ctrl+Shift+U entry, which GTK and IBus apps take)"
)


def gnome_hints(has_ydotool: bool) -> list[str]:
    lines = []
    mutter = gnome.SESSION.available()
    version = portal.PORTAL.version() if portal.PORTAL.available() else 0
    if version:
        remembered = (
            "keyvox keeps the portal's restore token, so later starts do not ask"
            if version >= 2
            else "this portal (RemoteDesktop version 1) asks again at every start of keyvox"
        )
        lines.append(
            "typing: the remote desktop portal (org.freedesktop.portal.RemoteDesktop); approve it once at "
            f'the first dictation: switch on "Allow remote interaction", then Share; {remembered}'
        )
        if mutter:
            lines.append(f"typing: if the portal is refused, {MUTTER}")
    elif mutter:
        lines.append(f"typing: {MUTTER}")
    else:
        lines.append(
            "typing: GNOME's remote-desktop service (org.gnome.Mutter.RemoteDesktop) is not on the session "
            "bus, nor the remote desktop portal, and GNOME has no virtual-keyboard protocol; fix: install "
            "ydotool (1.0 or later) and run its daemon (`sudo systemctl enable --now ydotool`); without it "
            "keyvox leaves the text on the clipboard"
        )
        if has_ydotool:
            lines.append("typing: ydotool is installed (ASCII only; ydotoold must be running)")
    if mutter and CLIPBOARD.available():
        lines.append("clipboard: mutter's remote-desktop clipboard (wl-copy cannot reach GNOME's clipboard)")
    return lines
