"""OpenAI-compatible transcription server and live event stream (``keyvox serve``).

Daemon wiring (``[server] enabled = true``)::

    hub = EventHub()
    pipeline = Pipeline(transcriber, chain, sink, on_state=hub.on_state, on_result=hub.on_result)
    handle = start_background(config, transcriber, hub)   # serves /v1/* beside the hotkey
    ...
    handle.stop()

Importing this package needs the ``server`` extra (starlette, uvicorn, python-multipart).
"""
