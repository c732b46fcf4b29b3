"""The push-to-talk desktop: the daemon and its wiring, the hotkey, text output, the observers (status line,
panel feed, sounds, notifications, D-Bus), the tray and overlay (gui), and autostart."""
