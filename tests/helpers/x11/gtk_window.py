"""A GTK 3 text field for the desktop rig: like window.py (Tk), for measuring insertion into GTK.

Usage: /usr/bin/python3 gtk_window.py OUT_FILE (the distribution's Python, which has PyGObject). It
writes its whole text to OUT_FILE whenever it changes, empties it when OUT_FILE.clear appears, and
prints "ready" once it has the focus.
"""

import os
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import GLib, Gtk  # noqa: E402

out = sys.argv[1]
window = Gtk.Window(title="keyvox-rig-gtk")
window.set_default_size(700, 300)
view = Gtk.TextView()
window.add(view)
buffer = view.get_buffer()
last = None


def publish() -> bool:
    global last
    if os.path.exists(out + ".clear"):
        buffer.set_text("")
        os.remove(out + ".clear")
    current = buffer.get_text(buffer.get_start_iter(), buffer.get_end_iter(), True)
    if current != last:
        with open(out + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(current)
        os.replace(out + ".tmp", out)
        last = current
    return True


def started() -> bool:
    window.present()
    view.grab_focus()
    print("ready", flush=True)
    return False


window.connect("destroy", Gtk.main_quit)
window.show_all()
GLib.timeout_add(20, publish)
GLib.timeout_add(300, started)
Gtk.main()
