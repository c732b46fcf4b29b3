"""A GTK text window for the Wayland rig: holds keyboard focus and mirrors its text into a file.

Usage: /usr/bin/python3 gtk_window.py OUT_FILE [--gtk 3|4]. Runs with Debian's python3 (python3-gi)
and GDK_BACKEND=wayland. The window writes its whole text to OUT_FILE (atomically) whenever it changes;
creating OUT_FILE.clear empties it. It prints "ready" once it is on screen with the text view focused.
The window also stands in for the user's clipboard work, as a focused Wayland client may: creating
OUT_FILE.read-clipboard makes it write the clipboard's text to OUT_FILE.clipboard ("<none>" when the
clipboard offers no text), and OUT_FILE.copy (a text) makes it copy that text to the clipboard.

GTK 4 is the default: GTK 3 text views on the rig ignore BackSpace and Ctrl+V from wtype (its key
bindings are matched against an older keymap than the key event's; typed characters arrive intact),
while GTK 4 takes every key.
"""

import os
import sys

import gi

VERSION = sys.argv[sys.argv.index("--gtk") + 1] if "--gtk" in sys.argv else "4"
gi.require_version("Gtk", f"{VERSION}.0")
gi.require_version("Gdk", f"{VERSION}.0")
from gi.repository import Gdk, Gio, GLib, Gtk  # noqa: E402

GLib.set_prgname("keyvox-rig-window")  # the app_id sway reports
out = sys.argv[1]
state = {"last": None, "ready": False}


def write(path: str, text: str) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)


def clipboard_requests() -> None:
    if os.path.exists(out + ".copy"):
        with open(out + ".copy", encoding="utf-8") as handle:
            text = handle.read()
        os.remove(out + ".copy")
        if VERSION == "3":
            Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD).set_text(text, -1)
        else:
            Gdk.Display.get_default().get_clipboard().set(text)
    if os.path.exists(out + ".read-clipboard"):
        os.remove(out + ".read-clipboard")
        if VERSION == "3":
            got = lambda _clipboard, text: write(out + ".clipboard", "<none>" if text is None else text)
            Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD).request_text(got)
        else:
            clipboard = Gdk.Display.get_default().get_clipboard()

            def done(source, result):
                try:
                    text = source.read_text_finish(result)
                except GLib.Error as exc:
                    print(f"reading the clipboard failed: {exc}", file=sys.stderr, flush=True)
                    text = None
                write(out + ".clipboard", "<none>" if text is None else text)

            clipboard.read_text_async(None, done)


def publish(window, view) -> bool:
    clipboard_requests()
    buffer = view.get_buffer()
    if os.path.exists(out + ".clear"):
        buffer.set_text("")
        os.remove(out + ".clear")
    current = buffer.get_text(buffer.get_start_iter(), buffer.get_end_iter(), True)
    if current != state["last"]:
        write(out, current)
        state["last"] = current
    if not state["ready"] and window.get_mapped() and view.has_focus():
        state["ready"] = True
        print("ready", flush=True)
    return True


def build(window) -> None:
    window.set_title("keyvox-rig-target")
    window.set_default_size(700, 300)
    view = Gtk.TextView()
    if VERSION == "3":
        window.add(view)
        window.show_all()
    else:
        window.set_child(view)
        window.present()
    view.grab_focus()
    GLib.timeout_add(20, publish, window, view)


if VERSION == "3":
    top = Gtk.Window()
    top.connect("destroy", Gtk.main_quit)
    build(top)
    Gtk.main()
else:
    app = Gtk.Application(application_id="org.keyvox.RigWindow", flags=Gio.ApplicationFlags.NON_UNIQUE)
    app.connect("activate", lambda app: build(Gtk.ApplicationWindow(application=app)))
    app.run([])
