"""Every insertion method the chain can be built from declares the output protocol (keyvox/desktop/output/base.py)."""

from __future__ import annotations

import inspect

import pytest

from keyvox.desktop.output.chain import build_methods


@pytest.mark.parametrize("session", ["x11", "wayland", "windows"])
@pytest.mark.parametrize("method", ["type", "clipboard", "clipboard-restore", "auto"])
def test_every_built_method_takes_the_keys_up_event_at_insert(session, method):
    built = build_methods(method, session=session)
    assert built
    for output in built:
        assert isinstance(output.name, str) and output.name
        assert isinstance(output.available(), bool)
        keys_up = inspect.signature(output.insert).parameters["keys_up"]
        assert keys_up.kind is inspect.Parameter.KEYWORD_ONLY and keys_up.default is None, output.name
