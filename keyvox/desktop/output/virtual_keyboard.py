"""Typing on Wayland through the virtual-keyboard protocol, spoken by keyvox itself (no wtype process).

wtype waits for the compositor after every key press and release and sleeps 2 ms after each (about 5 ms
a character). This client talks the Wayland wire protocol over the compositor's socket: it binds
``wl_seat`` and ``zwp_virtual_keyboard_manager_v1``, creates a virtual keyboard, uploads an XKB keymap
with one key per distinct character of the text, and sends the presses and releases in bursts with one
``wl_display.sync`` round trip per burst, so the compositor has taken each burst before the next one (and
everything before ``type_text`` returns). No pause between keys for the first 300 characters; longer
texts are paced (see UNPACED_CHARS).

Wire format (wayland.xml): every message is the object id (u32), then size << 16 | opcode (u32), then
the arguments as 32-bit words; a string is its length with the NUL, the bytes, the NUL, padded to 4
bytes; a file descriptor travels beside the bytes (SCM_RIGHTS). Integers use the host's byte order.
"""

from __future__ import annotations

import os
import socket
import struct
import time

from keyvox.desktop.output.base import OutputFailed, PartlyInserted

# Object ids and opcodes from wayland.xml and virtual-keyboard-unstable-v1.xml.
DISPLAY_ID = 1
DISPLAY_SYNC, DISPLAY_GET_REGISTRY = 0, 1  # requests
DISPLAY_ERROR, DISPLAY_DELETE_ID = 0, 1  # events
REGISTRY_BIND = 0  # request
REGISTRY_GLOBAL = 0  # event
CALLBACK_DONE = 0  # event
SEAT_CAPABILITIES = 0  # event
SEAT_HAS_KEYBOARD = 2  # bit in the capabilities
MANAGER_CREATE_KEYBOARD = 0
KEYBOARD_KEYMAP, KEYBOARD_KEY, KEYBOARD_DESTROY = 0, 1, 3
KEYMAP_FORMAT_XKB_V1 = 1
PRESSED, RELEASED = 1, 0
MANAGER = "zwp_virtual_keyboard_manager_v1"
SEAT = "wl_seat"

# Keys are evdev codes 1..247: the keymap's XKB keycodes are those plus 8, and an X11 client under
# Xwayland only has keycodes up to 255. A text with more distinct characters than keys 2..247 types in
# parts, each with its own keymap.
FIRST_KEY, LAST_KEY = 1, 247
# Key 1 is VoidSymbol, pressed first after every keymap upload: no application acts on it, so a window
# that misses the first key after a keymap change misses nothing.
PRIMING_KEY = FIRST_KEY
# Characters sent before each round trip; the window is the limit, not the round trips (bursts of 8 to 300
# all put 300 characters in GTK 4 in 57-58 ms). 32 as XTEST's bursts (keyvox/desktop/output/xtest_type.py).
BURST_CHARS = 32
# A window that falls too far behind loses its connection when the compositor's buffer for it fills, so
# after the first 300 characters (a long sentence) each burst takes at least 2 ms a character: 10,000
# arrived whole at 2 ms, and closed the GTK 4 window unpaced or at 1 ms (docs/wayland.md).
UNPACED_CHARS = 300
PACE_S = 0.002
# A round trip that takes this long means the compositor is stuck: the text goes to the next method.
ROUNDTRIP_TIMEOUT_S = 5.0
KEY_NAMES = {"\n": "Return", "\t": "Tab"}
# On a seat with no keyboard before ours (a headless session) windows bind the keyboard only once ours
# appears, and keys sent before that are lost; a seat that had one (any desktop) needs no pause. After
# the priming key 10, 20 and 30 ms each gave 130 of 130 texts whole; 30 leaves room for a busy machine.
PRIMING_PAUSE_S = 0.03


class Connection:
    """One client connection to the compositor: requests out, events in, errors as ``OutputFailed``."""

    def __init__(self) -> None:
        name = os.environ.get("WAYLAND_DISPLAY")
        if not name:
            raise OutputFailed("virtual keyboard: WAYLAND_DISPLAY is not set")
        path = name if name.startswith("/") else os.path.join(os.environ.get("XDG_RUNTIME_DIR", ""), name)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        self.sock.settimeout(ROUNDTRIP_TIMEOUT_S)
        try:
            self.sock.connect(path)
        except OSError as exc:
            self.sock.close()
            raise OutputFailed(
                f"virtual keyboard: cannot connect to {path} ({exc.strerror or exc})"
            ) from None
        self.interfaces = {DISPLAY_ID: "wl_display"}
        self.globals: dict[str, tuple[int, int]] = {}  # interface -> (name, version); the first seat wins
        self.seat_caps: dict[int, int] = {}
        self.pending = bytearray()
        self.received = b""
        self.next_id = 2

    def close(self) -> None:
        self.sock.close()

    def new_object(self, interface: str) -> int:
        object_id = self.next_id
        self.next_id += 1
        self.interfaces[object_id] = interface
        return object_id

    def request(self, object_id: int, opcode: int, args: bytes = b"") -> None:
        """Queue a request; ``flush`` (or a round trip) sends everything queued in one write."""
        self.pending += struct.pack("=II", object_id, (8 + len(args)) << 16 | opcode) + args

    def request_with_fd(self, object_id: int, opcode: int, args: bytes, fd: int) -> None:
        self.flush()
        message = struct.pack("=II", object_id, (8 + len(args)) << 16 | opcode) + args
        self.io(lambda: socket.send_fds(self.sock, [message], [fd]))

    def flush(self) -> None:
        if self.pending:
            data, self.pending = bytes(self.pending), bytearray()
            self.io(lambda: self.sock.sendall(data))

    def io(self, operation):
        try:
            return operation()
        except TimeoutError:
            raise OutputFailed(
                f"virtual keyboard: the compositor did not answer within {ROUNDTRIP_TIMEOUT_S:.0f} s"
            ) from None
        except OSError as exc:
            self.explain_disconnect()
            raise OutputFailed(
                f"virtual keyboard: connection to the compositor lost ({exc.strerror or exc})"
            ) from None

    def explain_disconnect(self) -> None:
        """A compositor that refuses a request sends wl_display.error and hangs up, often before we have read
        the error; what it sent is still there to read, and the error is the better message."""
        self.sock.settimeout(0.1)
        try:
            while data := self.sock.recv(65536):
                self.received += data
        except OSError:
            pass
        while (event := self.buffered_event()) is not None:
            self.handle(*event)

    def roundtrip(self) -> None:
        """Send what is queued and read events until the compositor has handled all of it."""
        callback = self.new_object("wl_callback")
        self.request(DISPLAY_ID, DISPLAY_SYNC, struct.pack("=I", callback))
        self.flush()
        while True:
            object_id, opcode, body = self.read_event()
            if object_id == callback and opcode == CALLBACK_DONE:
                return
            self.handle(object_id, opcode, body)

    def buffered_event(self) -> tuple[int, int, bytes] | None:
        """The next whole event already received, or None."""
        if len(self.received) < 8:
            return None
        object_id, header = struct.unpack_from("=II", self.received)
        size = header >> 16
        if len(self.received) < size:
            return None
        body, self.received = self.received[8:size], self.received[size:]
        return object_id, header & 0xFFFF, body

    def read_event(self) -> tuple[int, int, bytes]:
        while (event := self.buffered_event()) is None:
            # recvmsg: a compositor that sends a file descriptor (none of our objects does) must not stall us.
            data, fds, _, _ = self.io(lambda: socket.recv_fds(self.sock, 65536, 8))
            for fd in fds:
                os.close(fd)
            if not data:
                self.explain_disconnect()
                raise OutputFailed("virtual keyboard: the compositor closed the connection")
            self.received += data
        return event

    def handle(self, object_id: int, opcode: int, body: bytes) -> None:
        interface = self.interfaces.get(object_id)
        if interface == "wl_display" and opcode == DISPLAY_ERROR:
            failed, code = struct.unpack_from("=II", body)
            target = self.interfaces.get(failed, f"object {failed}")
            raise OutputFailed(
                f"virtual keyboard: the compositor refused a request to {target} "
                f"(error {code}: {unpack_string(body, 8)})"
            )
        if interface == "wl_display" and opcode == DISPLAY_DELETE_ID:
            self.interfaces.pop(struct.unpack_from("=I", body)[0], None)
        elif interface == "wl_registry" and opcode == REGISTRY_GLOBAL:
            name = struct.unpack_from("=I", body)[0]
            found = unpack_string(body, 4)
            version = struct.unpack_from("=I", body, 8 + padded(len(found.encode()) + 1))[0]
            self.globals.setdefault(found, (name, version))
        elif interface == SEAT and opcode == SEAT_CAPABILITIES:
            self.seat_caps[object_id] = struct.unpack_from("=I", body)[0]

    def read_globals(self) -> int:
        """Ask for the registry and wait until the compositor has listed its globals; the registry's id."""
        registry = self.new_object("wl_registry")
        self.request(DISPLAY_ID, DISPLAY_GET_REGISTRY, struct.pack("=I", registry))
        self.roundtrip()
        return registry

    def bind(self, registry: int, interface: str, version: int) -> int:
        name, offered = self.globals[interface]
        object_id = self.new_object(interface)
        # new_id without a fixed interface: the interface name and version go before the id.
        self.request(
            registry,
            REGISTRY_BIND,
            struct.pack("=I", name)
            + pack_string(interface)
            + struct.pack("=II", min(version, offered), object_id),
        )
        return object_id


def padded(length: int) -> int:
    return (length + 3) & ~3


def pack_string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("=I", len(data)) + data + b"\0" * (padded(len(data)) - len(data))


def unpack_string(body: bytes, offset: int) -> str:
    length = struct.unpack_from("=I", body, offset)[0]
    return body[offset + 4 : offset + 4 + max(length - 1, 0)].decode("utf-8", "replace")


def keysym_name(char: str) -> str | None:
    """The keysym that types ``char`` (None for a control character, which no key types).

    ``U+XXXX`` names (written ``UXXXX``) cover every code point: xkbcommon turns those below 0x100 into
    the Latin-1 keysyms and the rest into Unicode keysyms (0x1000000 + code point).
    """
    if char in KEY_NAMES:
        return KEY_NAMES[char]
    point = ord(char)
    if point < 0x20 or 0x7F <= point < 0xA0 or 0xD800 <= point < 0xE000:
        return None
    return f"U{point:04X}"


def split_keymaps(text: str, keys: int = LAST_KEY - FIRST_KEY) -> list[tuple[list[str], list[int]]]:
    """The text as parts that each fit one keymap: (keysym per key, key per character), keys from 2 up."""
    parts: list[tuple[list[str], list[int]]] = []
    codes: dict[str, int] = {}
    for char in text:
        name = keysym_name(char)
        if name is None:
            continue
        if name not in codes and (not parts or len(codes) == keys):
            parts.append(([], []))
            codes = {}
        if name not in codes:
            codes[name] = FIRST_KEY + 1 + len(codes)
            parts[-1][0].append(name)
        parts[-1][1].append(codes[name])
    return parts


def keymap_text(keysyms: list[str]) -> bytes:
    """An XKB text keymap: the priming key, then one single-level key per keysym."""
    names = ["VoidSymbol", *keysyms]
    lines = [
        "xkb_keymap {",
        'xkb_keycodes "keyvox" {',
        f"minimum = {FIRST_KEY + 8};",
        f"maximum = {FIRST_KEY + 8 + len(names) - 1};",
    ]
    lines += [f"<K{index}> = {FIRST_KEY + 8 + index};" for index in range(len(names))]
    # The standard key types and modifier map come from the compositor's XKB data (it builds its own
    # keymaps from the same files); the keys here use one level only.
    lines += [
        "};",
        'xkb_types "keyvox" { include "complete" };',
        'xkb_compatibility "keyvox" { include "complete" };',
        'xkb_symbols "keyvox" {',
    ]
    lines += [f"key <K{index}> {{[ {name} ]}};" for index, name in enumerate(names)]
    lines += ["};", "};"]
    return ("\n".join(lines) + "\n").encode() + b"\0"  # the compositor reads it as a C string


class VirtualKeyboard:
    """A connection with a virtual keyboard on the first seat; ``type_text`` types through it."""

    def __init__(self) -> None:
        self.conn = Connection()
        try:
            registry = self.conn.read_globals()
            if MANAGER not in self.conn.globals:
                raise NoProtocol("the compositor has no virtual-keyboard protocol")
            if SEAT not in self.conn.globals:
                raise OutputFailed("virtual keyboard: the compositor has no seat")
            seat = self.conn.bind(registry, SEAT, 1)
            manager = self.conn.bind(registry, MANAGER, 1)
            self.conn.roundtrip()  # the seat's capabilities arrive
            # A seat that had no keyboard gains one with ours: windows bind it only then (see PRIMING_PAUSE_S).
            self.seat_had_keyboard = bool(self.conn.seat_caps.get(seat, 0) & SEAT_HAS_KEYBOARD)
            self.keyboard = self.conn.new_object("zwp_virtual_keyboard_v1")
            self.conn.request(manager, MANAGER_CREATE_KEYBOARD, struct.pack("=II", seat, self.keyboard))
            self.time_ms = int(time.monotonic() * 1000)
            self.typed = 0
            self.text_sent = False
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        try:
            self.conn.request(self.keyboard, KEYBOARD_DESTROY)
            self.conn.flush()
        except OutputFailed:
            pass
        self.conn.close()

    def upload_keymap(self, keysyms: list[str]) -> None:
        data = keymap_text(keysyms)
        fd = os.memfd_create("keyvox-keymap", os.MFD_CLOEXEC)
        try:
            os.write(fd, data)
            args = struct.pack("=II", KEYMAP_FORMAT_XKB_V1, len(data))
            self.conn.request_with_fd(self.keyboard, KEYBOARD_KEYMAP, args, fd)
        finally:
            os.close(fd)  # the compositor has its own copy of the descriptor once sent

    def tap(self, key: int) -> None:
        for state in (PRESSED, RELEASED):
            self.time_ms = (self.time_ms + 1) & 0xFFFFFFFF  # a key's time only has to move forward
            self.conn.request(self.keyboard, KEYBOARD_KEY, struct.pack("=III", self.time_ms, key, state))

    def type_keys(self, keysyms: list[str], keys: list[int], first: bool) -> None:
        self.upload_keymap(keysyms)
        self.tap(PRIMING_KEY)
        self.conn.roundtrip()
        if first and not self.seat_had_keyboard:
            time.sleep(PRIMING_PAUSE_S)
        for start in range(0, len(keys), BURST_CHARS):
            burst = keys[start : start + BURST_CHARS]
            began = time.monotonic()
            for key in burst:
                self.tap(key)
            self.text_sent = True
            self.conn.roundtrip()
            self.typed += len(burst)
            if self.typed > UNPACED_CHARS:
                time.sleep(max(0.0, len(burst) * PACE_S - (time.monotonic() - began)))


class NoProtocol(OutputFailed):
    """The compositor (GNOME's Mutter, older KWin) offers no virtual keyboard: this method never types there."""


def type_text(text: str) -> None:
    """Type ``text`` into the focused window; returns once the compositor has taken every key."""
    parts = split_keymaps(text)
    if not parts:
        return
    keyboard = VirtualKeyboard()
    try:
        for index, (keysyms, keys) in enumerate(parts):
            keyboard.type_keys(keysyms, keys, first=index == 0)
    except OutputFailed as exc:
        if keyboard.text_sent:
            raise PartlyInserted(f"{exc}, after part of the text was sent") from None
        raise
    finally:
        keyboard.close()


def press_keys(name: str, count: int) -> None:
    """Press the named key (``BackSpace``) ``count`` times."""
    keyboard = VirtualKeyboard()
    try:
        keyboard.type_keys([name], [FIRST_KEY + 1] * count, first=True)
    finally:
        keyboard.close()


def protocol_offered() -> bool | None:
    """Whether the compositor offers the virtual-keyboard protocol (None: no compositor to ask)."""
    try:
        conn = Connection()
    except OutputFailed:
        return None
    try:
        conn.read_globals()
        return MANAGER in conn.globals
    except OutputFailed:
        return None
    finally:
        conn.close()
