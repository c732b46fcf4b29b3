"""``keyvox devices``: the microphones, for ``[audio] device``."""

from __future__ import annotations

import argparse

from keyvox.errors import ExitCode


def register(commands) -> None:
    devices = commands.add_parser("devices", help="list microphones (for [audio] device)")
    devices.set_defaults(handler=cmd_devices)


def cmd_devices(args: argparse.Namespace) -> int:
    from keyvox.audio.capture import list_input_devices

    devices = list_input_devices()
    if not devices:
        print("no input devices found (plug in a microphone, or check that the audio server is running)")
        return ExitCode.FAILED
    for device in devices:
        mark = "*" if device.is_default else " "
        print(f"{mark} {device.index:>3}  {device.name}  ({device.default_rate:g} Hz)")
    print("* = system default; set [audio] device to a name or an index")
    return ExitCode.OK
