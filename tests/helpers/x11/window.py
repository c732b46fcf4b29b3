"""A small Tk window for the desktop rig: holds keyboard focus and mirrors what it received into a file.

Usage: python3 window.py OUT_FILE [--deaf]. The window writes its whole text to OUT_FILE (atomically)
whenever it changes; creating OUT_FILE.clear empties it and OUT_FILE.focus makes it take the keyboard
focus back. It prints "ready" once it has focus. With --deaf it is an empty window that takes the focus
and ignores every key (a window that does not accept pastes).
"""

import os
import sys
import tkinter as tk

out = sys.argv[1]
root = tk.Tk()
if "--deaf" in sys.argv:
    root.title("keyvox-rig-deaf")
    root.geometry("200x100+0+400")
    root.after(200, lambda: (root.focus_force(), print("ready", flush=True)))
    root.mainloop()
    sys.exit()
root.title("keyvox-rig-target")
root.geometry("700x300+0+0")
text = tk.Text(root, font=("DejaVu Sans", 12))
text.pack(fill="both", expand=True)
last = None


def publish() -> None:
    global last
    if os.path.exists(out + ".clear"):
        text.delete("1.0", "end")
        os.remove(out + ".clear")
    current = text.get("1.0", "end-1c")
    if current != last:
        with open(out + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(current)
        os.replace(out + ".tmp", out)
        last = current
    if os.path.exists(out + ".focus"):
        text.focus_force()
        os.remove(out + ".focus")
    root.after(20, publish)


def started() -> None:
    text.focus_force()
    publish()
    print("ready", flush=True)


root.after(200, started)
root.mainloop()
