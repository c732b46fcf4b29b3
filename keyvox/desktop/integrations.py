"""Hooks the daemon's desktop companions onto its presence: panel status, D-Bus control, sounds, notifications."""

from __future__ import annotations

import sys

from keyvox.desktop.dbus_control import DBusControl, DBusUnavailable
from keyvox.desktop.notify import Notifier
from keyvox.desktop.panel import StatusFeed


def attach(daemon, control) -> None:
    """Call once, after the daemon is built and before it starts (so a model that fails to load is notified)."""
    feed = StatusFeed()
    daemon.presence.add(feed)
    control.feed = feed
    daemon.presence.add(daemon.sounds)
    desktop = daemon.config.desktop
    if desktop.notifications:
        daemon.presence.add(Notifier())
    if desktop.dbus and sys.platform.startswith("linux"):
        bus = DBusControl(daemon.machine.command)
        try:
            bus.start()
        except DBusUnavailable as exc:
            daemon.status.message(f"keyvox: {exc}")
            return
        daemon.presence.add(bus)
