"""A GTK text window for the Wayland rig: holds keyboard focus and mirrors its text into a file.

Usage: /usr/bin/python3 gtk_window.py OUT_FILE [--gtk 3|4]. Runs with Debian's python3 (python3-gi)
and GDK_BACKEND=wayland. The window writes its whole text to OUT_FILE (atomically) whenever it changes;
creating OUT_FILE.clear empties it. It prints "ready" once it is on screen with the text view focused.

GTK 4 is the default: GTK 3 text views on the rig ignore BackSpace and Ctrl+V from wtype (its key
bindings are matched against an older keymap than the key event's; typed characters arrive intact),
while GTK 4 takes every key.
"""

import os
import sys

import gi

VERSION = sys.argv[sys.argv.index("--gtk") + 1] if "--gtk" in sys.argv else "4"
gi.require_version("Gtk", f"{VERSION}.0")
from gi.repository import Gio, GLib, Gtk  # noqa: E402

GLib.set_prgname("keyvox-rig-window")  # the app_id sway reports
out = sys.argv[1]
state = {"last": None, "ready": False}


def publish(window, view) -> bool:
    buffer = view.get_buffer()
    if os.path.exists(out + ".clear"):
        buffer.set_text("")
        os.remove(out + ".clear")
    current = buffer.get_text(buffer.get_start_iter(), buffer.get_end_iter(), True)
    if current != state["last"]:
        with open(out + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(current)
        os.replace(out + ".tmp", out)
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
