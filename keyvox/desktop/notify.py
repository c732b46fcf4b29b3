"""Desktop notifications when something needs the user and no terminal may be watching.

Linux: ``org.freedesktop.Notifications`` on the session bus (any notification daemon: GNOME Shell, KDE,
dunst, mako, ...), through jeepney like the D-Bus control. macOS: ``osascript``'s ``display notification``.
Windows: none yet (the message is still printed and logged); a toast needs a WinRT binding keyvox does
not carry.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import threading

from keyvox.core.presence import Observer
from keyvox.platform.session import Session, detect_session
from keyvox.vocabulary import Notice, NoticeKind

log = logging.getLogger(__name__)

APP_NAME = "Keyvox"
ICON = "audio-input-microphone"
SUMMARIES = {
    NoticeKind.MICROPHONE_LOST: "Microphone gone",
    NoticeKind.MICROPHONE_BACK: "Microphone back",
    NoticeKind.MODEL_FAILED: "Speech model failed to load",
    NoticeKind.INSERT_FAILED: "Text not inserted: it is on the clipboard",
    NoticeKind.CLEANUP_SKIPPED: "Clean-up skipped: typed as dictated",
    NoticeKind.COMMAND_NOT_DONE: "Command not done: the text is unchanged",
    NoticeKind.ERROR: "Keyvox error",
}
URGENCY = {
    NoticeKind.MODEL_FAILED: 2,
    NoticeKind.MICROPHONE_LOST: 2,
    NoticeKind.MICROPHONE_BACK: 0,
    NoticeKind.CLEANUP_SKIPPED: 0,
}
"""freedesktop urgency: 0 low, 1 normal, 2 critical (stays until dismissed: keyvox cannot work without it)."""
CLOSE_WAIT_S = 2.0
"""On shutdown, how long a notification still being sent may hold the exit (a model that failed to load
is reported just before keyvox stops)."""


class Notifier(Observer):
    """Sends each notice on its own thread, so a slow or missing notification daemon never holds dictation."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue(32)
        self._thread = threading.Thread(target=self._run, name="keyvox-notify", daemon=True)
        self._thread.start()
        self._connection = None
        self._microphone_id = 0
        """The 'microphone gone' notification, replaced by 'microphone back'."""

    def on_notice(self, notice: Notice) -> None:
        try:
            self._queue.put_nowait(notice)
        except queue.Full:
            pass

    def close(self) -> None:
        try:
            self._queue.put(None, timeout=CLOSE_WAIT_S)
        except queue.Full:
            return
        self._thread.join(CLOSE_WAIT_S)

    def _run(self) -> None:
        while (notice := self._queue.get()) is not None:
            try:
                self._send(notice)
            except Exception as exc:  # no notification daemon, bus gone: the line on stderr remains
                log.info("notification not shown (%s)", exc)
                self._connection = None
        if self._connection is not None:
            self._connection.close()

    def _send(self, notice: Notice) -> None:
        summary = SUMMARIES.get(notice.kind, SUMMARIES[NoticeKind.ERROR])
        session = detect_session()
        if session is Session.MACOS:
            notify_macos(summary, notice.message)
        elif session.is_linux:
            replaces = self._microphone_id if notice.kind is NoticeKind.MICROPHONE_BACK else 0
            sent = self._notify_freedesktop(summary, notice.message, URGENCY.get(notice.kind, 1), replaces)
            if notice.kind is NoticeKind.MICROPHONE_LOST:
                self._microphone_id = sent

    def _notify_freedesktop(self, summary: str, body: str, urgency: int, replaces: int) -> int:
        from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        if self._connection is None:
            self._connection = open_dbus_connection(bus="SESSION")
        service = DBusAddress(
            "/org/freedesktop/Notifications",
            bus_name="org.freedesktop.Notifications",
            interface="org.freedesktop.Notifications",
        )
        call = new_method_call(
            service,
            "Notify",
            "susssasa{sv}i",
            (APP_NAME, replaces, ICON, summary, body, [], {"urgency": ("y", urgency)}, -1),
        )
        reply = self._connection.send_and_get_reply(call, timeout=5)
        if reply.header.message_type is MessageType.error:
            name = reply.header.fields.get(HeaderFields.error_name, "error")
            raise RuntimeError(f"{name}: {reply.body[0] if reply.body else ''}")
        return int(reply.body[0])


def notify_macos(summary: str, body: str) -> None:
    if shutil.which("osascript") is None:
        return
    quote = lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    script = f"display notification {quote(body)} with title {quote(APP_NAME)} subtitle {quote(summary)}"
    subprocess.run(["osascript", "-e", script], capture_output=True, timeout=5, check=False)
