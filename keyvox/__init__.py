"""Keyvox: local push-to-talk dictation with pluggable speech-recognition backends."""

__version__ = "0.1.0"
