"""A stand-in Wayland compositor on a Unix socket, for the virtual-keyboard client's tests without a desktop.

It speaks just enough of the wire protocol: the registry (a seat, and the virtual-keyboard manager
unless told not to offer it), sync round trips, binds, a virtual keyboard that records its keymaps and
keys; with ``refuse`` it answers the keyboard's creation with wl_display.error, as a compositor that
does not let this client have one would, and with ``hang_up_after_keys`` it closes the connection in
the middle of the text.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
from pathlib import Path


def _string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("=I", len(data)) + data + b"\0" * (-len(data) % 4)


class FakeCompositor:
    def __init__(
        self,
        folder: Path,
        *,
        offer_keyboard: bool = True,
        refuse: bool = False,
        seat_has_keyboard: bool = True,
        name: str = "wayland-fake",
        hang_up_after_keys: int | None = None,
    ) -> None:
        self.path = folder / name
        self.hang_up_after_keys = hang_up_after_keys
        self.offer_keyboard, self.refuse, self.seat_has_keyboard = offer_keyboard, refuse, seat_has_keyboard
        self.keymaps: list[str] = []
        self.keys: list[tuple[int, int]] = []  # (key, state) in arrival order
        self.syncs_after_key: list[int] = []  # how many keys had arrived at each round trip
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(self.path))
        self.server.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with client:
                try:
                    self._talk(client)
                except OSError:  # the client hung up first
                    pass

    def _talk(self, client: socket.socket) -> None:
        buffer, fds, kinds = b"", [], {1: "display"}
        while True:
            data, new_fds, _, _ = socket.recv_fds(client, 65536, 8)
            if not data:
                return
            buffer += data
            fds += new_fds
            while len(buffer) >= 8 and len(buffer) >= struct.unpack_from("=I", buffer, 4)[0] >> 16:
                object_id, header = struct.unpack_from("=II", buffer)
                size, opcode = header >> 16, header & 0xFFFF
                body, buffer = buffer[8:size], buffer[size:]
                kind = kinds.get(object_id)
                if kind == "display" and opcode == 1:
                    kinds[struct.unpack_from("=I", body)[0]] = "registry"
                    self.registry = struct.unpack_from("=I", body)[0]
                    globals_ = [(1, "wl_seat", 7)] + (
                        [(2, "zwp_virtual_keyboard_manager_v1", 1)] if self.offer_keyboard else []
                    )
                    for name, interface, version in globals_:
                        self._event(
                            client,
                            self.registry,
                            0,
                            struct.pack("=I", name) + _string(interface) + struct.pack("=I", version),
                        )
                elif kind == "display" and opcode == 0:
                    callback = struct.unpack_from("=I", body)[0]
                    self.syncs_after_key.append(len(self.keys))
                    self._event(client, callback, 0, struct.pack("=I", 0))
                    self._event(client, 1, 1, struct.pack("=I", callback))
                elif kind == "registry":
                    name = struct.unpack_from("=I", body)[0]
                    new_id = struct.unpack_from("=I", body, len(body) - 4)[0]
                    kinds[new_id] = {1: "seat", 2: "manager"}[name]
                    if name == 1:
                        self._event(client, new_id, 0, struct.pack("=I", 3 if self.seat_has_keyboard else 1))
                elif kind == "manager":
                    if self.refuse:
                        self._event(
                            client, 1, 0, struct.pack("=II", object_id, 0) + _string("not allowed here")
                        )
                        return
                    kinds[struct.unpack_from("=I", body, 4)[0]] = "keyboard"
                elif kind == "keyboard" and opcode == 0:
                    fd = fds.pop(0)
                    size = struct.unpack_from("=I", body, 4)[0]
                    self.keymaps.append(os.pread(fd, size, 0).rstrip(b"\0").decode())
                    os.close(fd)
                elif kind == "keyboard" and opcode == 1:
                    self.keys.append(struct.unpack_from("=II", body, 4))
                    if self.hang_up_after_keys is not None and len(self.keys) >= self.hang_up_after_keys:
                        return  # as a compositor that goes away in the middle of the text

    @staticmethod
    def _event(client: socket.socket, object_id: int, opcode: int, body: bytes) -> None:
        client.sendall(struct.pack("=II", object_id, (8 + len(body)) << 16 | opcode) + body)

    def typed(self) -> list[str]:
        """The keysym of every key pressed, in order, looked up in the keymap current at the time."""
        names, keymap_index, out = [], -1, []
        # Keys are recorded flat; each keymap starts with its priming key (key 1) pressed and released.
        for key, state in self.keys:
            if key == 1 and state == 1:
                keymap_index += 1
                names = [
                    line.split("[ ")[1].split(" ]")[0]
                    for line in self.keymaps[keymap_index].splitlines()
                    if line.startswith("key <K")
                ]
            if state == 1:
                out.append(names[key - 1])
        return out
