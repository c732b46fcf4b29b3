"""The dictation core: the pipeline from recording to delivered text, live decoding, the engine worker, and the
observers' fan-out. Knows nothing of desktops, servers or the command line."""
