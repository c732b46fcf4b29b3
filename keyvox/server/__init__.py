"""OpenAI-compatible transcription server and live event stream (``keyvox serve``).

In the daemon (``[server] enabled = true``) the ``EventHub`` is one of the observers, and
``start_background(config, transcriber, hub, engine)`` serves ``/v1/*`` beside the hotkey through the
daemon's engine worker; ``handle.stop()`` ends it (docs/server.md).

Importing this package needs the ``server`` extra (starlette, uvicorn, python-multipart; wyoming for
``keyvox serve --wyoming``, keyvox/server/wyoming.py).
"""
