"""Errors that reach the user as one line, never as a traceback."""


class KeyvoxError(Exception):
    """A problem the user can fix; its message is the whole story, printed as one line."""


class ConfigError(KeyvoxError):
    """The config file is unreadable or holds a value keyvox cannot use."""


class BackendUnavailable(KeyvoxError):
    """A backend cannot run here: its package is missing or the platform cannot host it."""


class ModelNotFound(KeyvoxError):
    """A model is neither on disk nor downloadable right now."""
