"""doctor's fixes come from the typed fields of its report, never from the wording of its messages."""

from __future__ import annotations

import dataclasses
import json
import sys

import pytest

from keyvox.cli.doctor import collect, render
from keyvox.cli.doctor_report import AudioCheck, AudioStatus, DisplayCheck, FixKind, Status
from keyvox.cli.install_hints import (
    DESKTOP_NEEDS,
    backend_install,
    backend_requirements,
    extra_requirements,
    fixes,
    package_manager,
    system_packages,
)

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="system packages are a Linux matter"
)


@pytest.fixture(scope="module")
def report():
    return collect()


def on_x11(report, audio: AudioCheck, tools_present: bool = True):
    """This machine's report, as if on X11 with ``audio`` and every output tool present or none."""
    return dataclasses.replace(
        report,
        audio=audio,
        display=DisplayCheck("x11", {"DISPLAY": ":42"}),
        output_tools=dict.fromkeys(report.output_tools, "/usr/bin/tool" if tools_present else None),
    )


@linux_only
def test_missing_portaudio_is_read_from_the_status_not_the_message(report):
    said_otherwise = on_x11(report, AudioCheck(AudioStatus.NO_PORTAUDIO, "the sound library is gone"))
    [fix] = fixes(said_otherwise)
    assert fix.missing == "portaudio" and fix.kind is FixKind.SYSTEM
    assert fix.packages == system_packages(["portaudio"], package_manager())

    wording_only = on_x11(report, AudioCheck(AudioStatus.CANNOT_LIST, "PortAudio library not found (sic)"))
    assert fixes(wording_only) == []


def test_missing_sounddevice_offers_the_desktop_extra(report):
    if not extra_requirements("desktop"):
        pytest.skip("keyvox's installed metadata has no desktop extra")
    missing = on_x11(report, AudioCheck(AudioStatus.NO_SOUNDDEVICE, "no sound"))
    [fix] = [f for f in fixes(missing) if f.kind is FixKind.PYTHON]
    assert fix.missing == "the desktop runtime (sounddevice, pynput)"
    assert set(fix.packages) == set(extra_requirements("desktop"))
    assert all(package in fix.command for package in ("sounddevice", "pynput"))


@linux_only
def test_missing_output_tools_are_one_system_fix(report):
    bare = on_x11(report, AudioCheck(AudioStatus.OK), tools_present=False)
    [fix] = fixes(bare)
    assert fix.kind is FixKind.SYSTEM and fix.missing == ", ".join(DESKTOP_NEEDS["x11"][1:])


def test_no_engine_installed_offers_the_default_engine(report):
    none_installed = dataclasses.replace(
        on_x11(report, AudioCheck(AudioStatus.OK)),
        backends=[dataclasses.replace(b, status=Status.MISSING) for b in report.backends],
    )
    none_installed.fixes = fixes(none_installed)
    [fix] = [f for f in none_installed.fixes if f.missing == "a speech engine"]
    assert fix.kind is FixKind.PYTHON
    assert fix.packages == tuple(backend_requirements("faster-whisper"))
    assert fix.command == backend_install("faster-whisper")
    assert f"  a speech engine: {fix.command}\n" in render(none_installed)


def test_the_json_fixes_carry_kind_and_packages(report):
    bare = on_x11(report, AudioCheck(AudioStatus.OK), tools_present=False)
    bare.fixes = fixes(bare)
    data = json.loads(json.dumps(bare.to_json()))
    assert [f["kind"] for f in data["fixes"]] == [f.kind.value for f in bare.fixes]
    assert [f["packages"] for f in data["fixes"]] == [list(f.packages) for f in bare.fixes]
    assert data["audio"] == {"status": "ok", "error": None, "input_devices": [], "available": True}
