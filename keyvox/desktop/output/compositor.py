"""What the Wayland compositor says about this desktop: which one it is, and which window has the focus.

Wayland hides other clients' windows from an application, so the focused window comes from the
compositor's own IPC where it has one: sway's socket (``$SWAYSOCK``, the i3 IPC protocol) and
Hyprland's ``hyprctl activewindow -j``. Elsewhere (GNOME, KDE) there is no focus, and keyvox goes on
without context; nothing here raises.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

IPC_MAGIC = b"i3-ipc"
IPC_GET_TREE = 4
# One get_tree on a desktop with ~30 windows answers in about 1 ms; anything near this is a hung compositor.
IPC_TIMEOUT_S = 0.5
# Terminals paste with Ctrl+Shift+V (Ctrl+V would insert ^V); matched against app_id / class, lower case.
TERMINALS = frozenset(
    {
        "foot",
        "footclient",
        "kitty",
        "alacritty",
        "org.wezfurlong.wezterm",
        "wezterm",
        "org.gnome.terminal",
        "gnome-terminal-server",
        "org.gnome.console",
        "kgx",
        "org.kde.konsole",
        "konsole",
        "xterm",
        "urxvt",
        "terminator",
        "tilix",
        "com.mitchellh.ghostty",
        "ghostty",
        "xfce4-terminal",
    }
)


@dataclass(frozen=True)
class FocusedWindow:
    """The window that has the keyboard focus, as the compositor names it."""

    id: str
    """Stable while the window lives, e.g. ``sway:12`` or ``hyprland:0x55d0c8a0``."""
    app: str
    """The application: Wayland app_id, or the X11 class for Xwayland windows ("" when unknown)."""
    title: str

    @property
    def is_terminal(self) -> bool:
        return self.app.lower() in TERMINALS


def desktop_name() -> str:
    """``sway``, ``hyprland``, ``gnome``, ``kde`` or another lower-case name from the session ("" if none)."""
    if os.environ.get("SWAYSOCK") or _sway_sockets():
        return "sway"
    if os.environ.get("HYPRLAND_INSTANCE_SIGNATURE"):
        return "hyprland"
    current = (os.environ.get("XDG_CURRENT_DESKTOP") or os.environ.get("XDG_SESSION_DESKTOP") or "").lower()
    for name in ("gnome", "kde", "hyprland", "sway"):
        if name in current:
            return name
    return current.split(":")[0]


def focused_window() -> FocusedWindow | None:
    """The focused window from sway or Hyprland IPC, or None where the compositor does not tell."""
    path = sway_socket()
    if path is not None:
        return _sway_focused(path)
    if os.environ.get("HYPRLAND_INSTANCE_SIGNATURE") and shutil.which("hyprctl"):
        return _hyprland_focused()
    return None


# --- sway -----------------------------------------------------------------------------------------


def sway_socket() -> str | None:
    """``$SWAYSOCK``, else this user's live sway socket in the runtime folder (as a login shell lacks SWAYSOCK)."""
    named = os.environ.get("SWAYSOCK")
    if named:
        return named if os.path.exists(named) else None
    live = _sway_sockets()
    return live[0] if live else None


def _sway_sockets() -> list[str]:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if not runtime or not hasattr(os, "getuid"):
        return []
    found = []
    for path in sorted(glob.glob(os.path.join(runtime, f"sway-ipc.{os.getuid()}.*.sock"))):
        pid = Path(path).name.split(".")[2]
        if pid.isdigit() and Path(f"/proc/{pid}").exists():  # a crashed sway leaves its socket behind
            found.append(path)
    return found


def sway_request(path: str, kind: int, payload: bytes = b"") -> object:
    """One i3-IPC request on sway's socket; the decoded JSON reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(IPC_TIMEOUT_S)
        sock.connect(path)
        sock.sendall(IPC_MAGIC + struct.pack("=II", len(payload), kind) + payload)
        header = _read_exact(sock, len(IPC_MAGIC) + 8)
        length, _ = struct.unpack("=II", header[len(IPC_MAGIC) :])
        return json.loads(_read_exact(sock, length))


def _read_exact(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("sway closed the IPC socket")
        data += chunk
    return bytes(data)


def _sway_focused(path: str) -> FocusedWindow | None:
    try:
        tree = sway_request(path, IPC_GET_TREE)
    except (OSError, ValueError):
        return None
    node = find_focused(tree)
    if node is None:
        return None
    app = node.get("app_id") or (node.get("window_properties") or {}).get("class") or ""
    return FocusedWindow(f"sway:{node.get('id')}", str(app), str(node.get("name") or ""))


def find_focused(node: dict) -> dict | None:
    """The focused window in a sway tree (a workspace or output can be focused too: then no window)."""
    if node.get("focused"):
        return node if node.get("type") in ("con", "floating_con") and node.get("pid") else None
    for child in (*node.get("nodes", ()), *node.get("floating_nodes", ())):
        found = find_focused(child)
        if found is not None:
            return found
    return None


# --- Hyprland -------------------------------------------------------------------------------------


def _hyprland_focused() -> FocusedWindow | None:
    try:
        done = subprocess.run(["hyprctl", "activewindow", "-j"], capture_output=True, text=True, timeout=1)
        window = json.loads(done.stdout) if done.returncode == 0 else {}
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    if not isinstance(window, dict) or not window.get("address"):
        return None  # "{}" when nothing has the focus
    return FocusedWindow(
        f"hyprland:{window['address']}", str(window.get("class") or ""), str(window.get("title") or "")
    )
