"""How one config key is declared: a dataclass field with its documentation and allowed values in
``metadata``, which the loader, the validator and ``keyvox config init`` all read."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def option(
    default: Any,
    doc: str,
    *,
    choices: tuple | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    types: tuple[type, ...] | None = None,
) -> Any:
    """Declare one config key: its default, its documentation and its allowed values."""
    meta = {"doc": doc, "choices": choices, "minimum": minimum, "maximum": maximum, "types": types}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)
