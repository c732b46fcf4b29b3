"""Where keyvox keeps its files on this platform (platformdirs' conventions)."""

from __future__ import annotations

from pathlib import Path


def user_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("keyvox", appauthor=False, roaming=True))


def user_data_dir() -> Path:
    """Where keyvox keeps what it records: the history database and audio saved for `keyvox retry`."""
    import platformdirs

    return Path(platformdirs.user_data_dir("keyvox", appauthor=False))


def user_state_dir() -> Path:
    """Where keyvox keeps what it was granted and must not ask again for (the desktop portal's restore token)."""
    import platformdirs

    return Path(platformdirs.user_state_dir("keyvox", appauthor=False))
