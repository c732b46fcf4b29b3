"""Which window has the focus on Wayland: sway's IPC on the rig; no context (and no error) elsewhere."""

from __future__ import annotations

import os

from keyvox.desktop.output import compositor


def test_sway_names_the_focused_window(wayland, window, as_client):
    focused = compositor.focused_window()
    assert focused is not None
    assert focused.id.startswith("sway:") and focused.id[5:].isdigit(), focused
    assert focused.app == "keyvox-rig-window" and focused.title == "keyvox-rig-target", focused
    assert not focused.is_terminal


def test_output_chain_reports_the_sway_window_id(wayland, window, as_client):
    from keyvox.desktop.output.chain import OutputChain, build_methods

    chain = OutputChain(build_methods("type"))
    assert chain.focused_window() == compositor.focused_window().id


def test_sway_socket_is_found_without_swaysock(wayland, window, as_client, monkeypatch):
    """A daemon started outside sway (a login shell, a user service) has no SWAYSOCK: the runtime folder has it."""
    monkeypatch.delenv("SWAYSOCK")
    monkeypatch.setattr("os.getuid", lambda: wayland.user.pw_uid)  # the socket is named after sway's user
    assert compositor.sway_socket() == wayland.env["SWAYSOCK"]
    assert compositor.desktop_name() == "sway"
    assert compositor.focused_window().app == "keyvox-rig-window"


def test_no_compositor_ipc_means_no_context(tmp_path, monkeypatch):
    for name in ("SWAYSOCK", "HYPRLAND_INSTANCE_SIGNATURE", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "GNOME")
    assert compositor.focused_window() is None
    assert compositor.desktop_name() == "gnome"
    from keyvox.desktop.output.methods import focused_window_id
    from keyvox.platform.session import Session

    assert focused_window_id(Session.WAYLAND) is None


def test_stale_swaysock_gives_no_context(tmp_path, monkeypatch):
    dead = tmp_path / "sway-ipc.sock"
    dead.touch()  # a socket file left by a sway that has gone
    monkeypatch.setenv("SWAYSOCK", str(dead))
    assert compositor.focused_window() is None


def test_focused_node_in_a_sway_tree():
    tree = {
        "type": "root",
        "nodes": [
            {
                "type": "output",
                "nodes": [
                    {
                        "type": "workspace",
                        "nodes": [
                            {
                                "type": "con",
                                "id": 4,
                                "pid": 10,
                                "focused": False,
                                "app_id": "foot",
                                "nodes": [],
                            },
                            {
                                "type": "con",
                                "id": 7,
                                "pid": 11,
                                "focused": True,
                                "app_id": None,
                                "name": "X app",
                                "window_properties": {"class": "XTerm"},
                                "nodes": [],
                            },
                        ],
                        "floating_nodes": [],
                    }
                ],
            }
        ],
    }
    assert compositor.find_focused(tree)["id"] == 7
    workspace_only = {"type": "workspace", "focused": True, "nodes": []}
    assert compositor.find_focused(workspace_only) is None


def test_hyprland_active_window(tmp_path, monkeypatch):
    """Hyprland cannot run here (not packaged for this system): a stand-in hyprctl answers `activewindow -j`
    with the JSON Hyprland prints (fields trimmed), the OS boundary faked and nothing else."""
    answer = tmp_path / "answer.json"
    hyprctl = tmp_path / "hyprctl"
    hyprctl.write_text(f'#!/bin/sh\n[ "$1 $2" = "activewindow -j" ] && cat {answer}\n')
    hyprctl.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.delenv("SWAYSOCK", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("HYPRLAND_INSTANCE_SIGNATURE", "abc_123")
    answer.write_text(
        '{"address": "0x55d0c8a0", "mapped": true, "class": "org.gnome.TextEditor", '
        '"title": "notes.txt", "pid": 4242, "workspace": {"id": 1, "name": "1"}}'
    )
    assert compositor.desktop_name() == "hyprland"
    assert compositor.focused_window() == compositor.FocusedWindow(
        "hyprland:0x55d0c8a0", "org.gnome.TextEditor", "notes.txt"
    )
    answer.write_text("{}")  # nothing focused (an empty workspace)
    assert compositor.focused_window() is None
    answer.write_text("not json")
    assert compositor.focused_window() is None
