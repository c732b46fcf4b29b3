"""A GTK 3 text window for the Wayland rig: holds keyboard focus and mirrors its text into a file.

Usage: /usr/bin/python3 gtk_window.py OUT_FILE. Runs with Debian's python3 (python3-gi) and
GDK_BACKEND=wayland. The window writes its whole text to OUT_FILE (atomically) whenever it changes;
creating OUT_FILE.clear empties it. It prints "ready" once it is on screen with the text view focused.
"""

import os
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import GLib, Gtk  # noqa: E402

out = sys.argv[1]
window = Gtk.Window(title="keyvox-rig-target")
window.set_default_size(700, 300)
view = Gtk.TextView()
window.add(view)
buffer = view.get_buffer()
state = {"last": None, "ready": False}


def publish() -> bool:
    if os.path.exists(out + ".clear"):
        buffer.set_text("")
        os.remove(out + ".clear")
    current = buffer.get_text(buffer.get_start_iter(), buffer.get_end_iter(), True)
    if current != state["last"]:
        with open(out + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(current)
        os.replace(out + ".tmp", out)
        state["last"] = current
    if not state["ready"] and window.get_mapped() and view.is_focus():
        state["ready"] = True
        print("ready", flush=True)
    return True


window.connect("destroy", Gtk.main_quit)
window.show_all()
view.grab_focus()
GLib.timeout_add(20, publish)
Gtk.main()
