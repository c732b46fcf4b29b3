"""Tray hosts for the desktop rig: a private session D-Bus, Xfce's panel (hosts StatusNotifierItems and
XEmbed icons) or trayer (XEmbed only), and a small com.canonical.dbusmenu / StatusNotifierItem client
built on ``gdbus`` (the real protocol, as a panel speaks it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from tests.helpers.x11.rig import _stop, wait_until

REQUIRED = ("dbus-daemon", "gdbus", "xfce4-panel", "import", "convert")

PANEL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="32"/>
      <property name="plugin-ids" type="array"><value type="int" value="1"/></property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray"/>
  </property>
</channel>
"""
PANEL_BAND = (0, 0, 1024, 40)
"""Screen area (x, y, width, height) of the panel: the top edge."""


def missing_tools() -> list[str]:
    return [tool for tool in REQUIRED if shutil.which(tool) is None]


def private_home(workdir: Path) -> dict[str, str]:
    """HOME and XDG folders inside the test's folder: the panel, the settings daemon the bus starts for it
    (xfconfd) and keyvox must never read or write the real user's files."""
    home = workdir / "home"
    folders = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_CACHE_HOME": home / ".cache",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {name: str(folder) for name, folder in folders.items()}


class SessionBus:
    """A private ``dbus-daemon --session``; its address goes into the environment of everything after it.
    Services it starts on demand inherit ``env``, so give it a private home (``private_home``)."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=open(workdir / "dbus.log", "wb"),
            text=True,
        )
        self.address = self.process.stdout.readline().strip()
        if not self.address:
            raise RuntimeError(f"dbus-daemon did not start; see {workdir / 'dbus.log'}")

    def stop(self) -> None:
        _stop(self.process)


class XfcePanel:
    """xfce4-panel with only its notification-area plugin, configured in a private XDG_CONFIG_HOME."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        channel = Path(env["XDG_CONFIG_HOME"]) / "xfce4" / "xfconf" / "xfce-perchannel-xml"
        channel.mkdir(parents=True, exist_ok=True)
        (channel / "xfce4-panel.xml").write_text(PANEL_XML)
        self.process = subprocess.Popen(
            ["xfce4-panel", "--disable-wm-check"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "panel.log", "wb"),
        )
        wait_until(
            lambda: "org.kde.StatusNotifierWatcher" in bus_names(env),
            30,
            0.2,
            "the panel's StatusNotifierWatcher",
        )

    def stop(self) -> None:
        _stop(self.process)


class Trayer:
    """trayer: an XEmbed system tray (no StatusNotifierItem support), at the top edge."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "pixel",
                "--width",
                "200",
                "--height",
                "32",
                "--SetDockType",
                "true",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "trayer.log", "wb"),
        )
        wait_until(lambda: _windows(env, "trayer"), 20, 0.2, "trayer's window")

    def stop(self) -> None:
        _stop(self.process)


def _windows(env, classname: str) -> list[str]:
    done = subprocess.run(
        ["xdotool", "search", "--classname", classname], env=env, capture_output=True, text=True
    )
    return done.stdout.split()


# --- D-Bus through gdbus --------------------------------------------------------------------------


def gdbus(env, dest: str, path: str, method: str, *args: str) -> str:
    done = subprocess.run(
        [
            "gdbus",
            "call",
            "--session",
            "--dest",
            dest,
            "--object-path",
            path,
            "--method",
            method,
            "--",
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
    )
    if done.returncode != 0:
        raise RuntimeError(f"gdbus {method} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def bus_names(env) -> str:
    try:
        return gdbus(env, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames")
    except RuntimeError:
        return ""


def registered_items(env) -> list[str]:
    """``:1.N/StatusNotifierItem`` strings from the watcher."""
    out = gdbus(
        env,
        "org.kde.StatusNotifierWatcher",
        "/StatusNotifierWatcher",
        "org.freedesktop.DBus.Properties.Get",
        "org.kde.StatusNotifierWatcher",
        "RegisteredStatusNotifierItems",
    )
    return re.findall(r"'([^']+)'", out)


class Item:
    """One StatusNotifierItem and its exported menu."""

    def __init__(self, env, registered: str) -> None:
        self.env = env
        self.service, _, path = registered.partition("/")
        self.path = "/" + path

    def prop(self, name: str) -> str:
        return gdbus(
            self.env,
            self.service,
            self.path,
            "org.freedesktop.DBus.Properties.Get",
            "org.kde.StatusNotifierItem",
            name,
        )

    def tooltip(self) -> str:
        """The tooltip's title and text (the icon data in between is dropped)."""
        return " ".join(re.findall(r"'([^']*)'", self.prop("ToolTip")))

    def menu_path(self) -> str:
        return re.search(r"objectpath '([^']+)'", self.prop("Menu")).group(1)

    def menu_labels(self) -> dict[str, int]:
        """Label → item id of the whole exported menu, as a panel sees it when the user opens it (AboutToShow,
        then GetLayout of the root, all depths)."""
        path = self.menu_path()
        gdbus(self.env, self.service, path, "com.canonical.dbusmenu.AboutToShow", "0")
        return {entry["label"]: entry["id"] for entry in self.layout(path)}

    def layout(self, path: str | None = None) -> list[dict]:
        """Every menu item as {id, label, checked} (checked: None for items that cannot be checked)."""
        path = path or self.menu_path()
        out = gdbus(self.env, self.service, path, "com.canonical.dbusmenu.GetLayout", "0", "-1", "[]")
        entries = []
        for number, properties in re.findall(r"\((\d+), (\{[^{}]*\})", out):
            label = re.search(r"'label': <'([^']*)'>", properties)
            toggle = re.search(r"'toggle-state': <(-?\d+)>", properties)
            if label:
                entries.append(
                    {
                        "id": int(number),
                        "label": label.group(1).replace("&", ""),
                        "checked": None if toggle is None else toggle.group(1) == "1",
                    }
                )
        return entries

    def checked(self, label: str) -> bool | None:
        self.menu_labels()  # AboutToShow: the menu refreshes its check marks
        return next(entry["checked"] for entry in self.layout() if entry["label"] == label)

    def click(self, label: str) -> None:
        """What a panel sends when the user picks a menu item."""
        path = self.menu_path()
        number = self.menu_labels()[label]
        gdbus(
            self.env,
            self.service,
            path,
            "com.canonical.dbusmenu.Event",
            str(number),
            "clicked",
            "<int32 0>",
            str(int(time.time())),
        )


# --- screenshots ----------------------------------------------------------------------------------


def screenshot(env, path: Path) -> Path:
    subprocess.run(
        ["import", "-window", "root", str(path)], env=env, check=True, timeout=30, capture_output=True
    )
    return path


def pixels(path: Path, box: tuple[int, int, int, int]) -> list[tuple[int, int, int]]:
    """RGB pixels of a region of a screenshot, as ImageMagick reads them."""
    x, y, width, height = box
    done = subprocess.run(
        ["convert", str(path), "-crop", f"{width}x{height}+{x}+{y}", "+repage", "-depth", "8", "rgb:-"],
        capture_output=True,
        check=True,
        timeout=30,
    )
    data = done.stdout
    return [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data) - 2, 3)]


def count_near(colours: list[tuple[int, int, int]], target: str, tolerance: int = 40) -> int:
    r, g, b = (int(target[i : i + 2], 16) for i in (1, 3, 5))
    return sum(1 for c in colours if abs(c[0] - r) + abs(c[1] - g) + abs(c[2] - b) <= tolerance)
