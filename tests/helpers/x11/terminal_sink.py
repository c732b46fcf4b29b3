"""Runs inside xterm for the rig: puts the terminal in raw mode and appends every byte it receives to a file."""

import os
import sys
import termios
import tty

out = sys.argv[1]
tty.setraw(sys.stdin.fileno())
print("ready", end="", flush=True)
with open(out, "ab", buffering=0) as handle:
    while True:
        data = os.read(sys.stdin.fileno(), 4096)
        if not data:
            break
        handle.write(data)
termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
