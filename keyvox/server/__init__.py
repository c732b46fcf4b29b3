"""OpenAI-compatible transcription server and live event stream (``keyvox serve``).

Daemon wiring (``[server] enabled = true``)::

    hub = EventHub()
    pipeline = Pipeline(transcriber, chain, sink, on_state=hub.on_state, on_result=hub.on_result)
    handle = start_background(config, transcriber, hub)   # serves /v1/* beside the hotkey
    ...
    handle.stop()

Importing this package needs the ``server`` extra (starlette, uvicorn, python-multipart).
"""

from keyvox.server.app import ServerSettings, create_app
from keyvox.server.events import EventHub
from keyvox.server.run import ServerHandle, serve, start_background, start_in_thread

__all__ = ["EventHub", "ServerHandle", "ServerSettings", "create_app", "serve", "start_background",
           "start_in_thread"]
