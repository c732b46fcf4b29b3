"""The one factory that builds a transcriber from the config, with every ``auto`` resolved."""

from __future__ import annotations

import dataclasses
import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from keyvox.engines.base import EngineClass, LanguageChoice, Transcriber
from keyvox.engines.registry import (
    AUTO,
    BACKENDS,
    backend_names,
    check_platform,
    install_command,
    installed_backends,
    is_installed,
)
from keyvox.errors import BackendUnavailable, ConfigError
from keyvox.platform.heap import release_free_memory

if TYPE_CHECKING:
    from keyvox.config.schema import Config
    from keyvox.engines.auto import Choice


def plan(config: Config, *, backend: str | None = None) -> Choice:
    """Every ``auto`` in ``[model]`` resolved from this machine's hardware and installed engines.

    ``backend`` pins the engine (a backend's own ``from_config`` passes its name).
    """
    from keyvox.engines.auto import Choice, choose
    from keyvox.platform.hardware import detect_hardware

    model = config.model
    chosen = backend or model.backend
    if chosen in BACKENDS and not BACKENDS[chosen].hardware_aware:
        # Nothing for the hardware to decide (remote: the server does): the config's values as they are.
        return Choice(chosen, model.name, model.device, model.compute_type, "set in config")
    choice = choose(
        detect_hardware(),
        installed_backends(),
        backend=chosen,
        name=model.name,
        language=spoken_languages(config),
        device=model.device,
        compute_type=model.compute_type,
    )
    spec = BACKENDS[choice.backend]
    if choice.compute_type not in spec.compute_types:
        raise ConfigError(
            f'[model] compute_type = "{choice.compute_type}" is not valid for {choice.backend} '
            f"({choice.reason}); choose {', '.join(spec.compute_types)}"
        )
    if choice.device.partition(":")[0] not in spec.devices:
        raise ConfigError(
            f'[model] device = "{choice.device}" is not valid for {choice.backend} '
            f"({choice.reason}); choose {', '.join(spec.devices)}"
        )
    return choice


def spoken_languages(config: Config) -> str:
    """The language ``auto`` picks a model for: "en" only when every mode speaks English too (an
    English-only model cannot dictate a mode's Spanish), else "auto" (a multilingual model)."""
    codes = {config.model.language, *config.model.languages}
    # (a mode with a model of its own speaks through that one)
    codes |= {
        code for mode in config.modes if not mode.model for code in (mode.language, *mode.languages) if code
    }
    return "en" if codes == {"en"} else "auto" if len(codes) > 1 else config.model.language


def resolve_backend(config: Config) -> tuple[str, str]:
    """The concrete backend for ``config`` and the reason it was chosen."""
    choice = plan(config)
    return choice.backend, choice.reason


def create_transcriber(config: Config, *, announce: Callable[[str], None] | None = None) -> Transcriber:
    """Build, load and warm the transcriber the config asks for.

    What ``auto`` chose, and why, goes to ``announce`` (default: a line on stderr).
    """
    backend = config.model.backend
    if backend != AUTO and backend not in BACKENDS:
        raise ConfigError(
            f'[model] backend = "{backend}" is not a known backend (choose {", ".join(backend_names())})'
        )
    if backend != AUTO:
        check_platform(BACKENDS[backend])
    choice = plan(config)
    spec = BACKENDS[choice.backend]
    if not is_installed(choice.backend):
        raise BackendUnavailable(
            f'backend "{choice.backend}" needs the {spec.package} package, which is not installed; '
            f"install it with: {install_command(spec)}"
        )
    if spec.hardware_aware and AUTO in (
        config.model.backend,
        config.model.name,
        config.model.device,
        config.model.compute_type,
    ):
        (announce or _to_stderr)(f"keyvox: using {choice.summary()}")
    concrete = dataclasses.replace(
        config,
        model=dataclasses.replace(
            config.model,
            backend=choice.backend,
            name=choice.model,
            device=choice.device,
            compute_type=choice.compute_type,
        ),
    )
    engine: EngineClass = getattr(importlib.import_module(spec.module), spec.class_name)
    transcriber = engine.from_config(concrete)
    if config.model.languages:
        choice_of_language = LanguageChoice.of(config.model.language, config.model.languages)
        transcriber.set_language(choice_of_language.code, choice_of_language.among)
    transcriber.warm_up()
    # Loading converts the weights (tiny.en's file is float16, run as int8) and warm-up sizes buffers: the
    # C heap keeps what they freed, 33 MB of a 225 MB process, unless it is handed back.
    release_free_memory()
    return transcriber


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
