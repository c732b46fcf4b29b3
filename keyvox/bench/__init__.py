"""``keyvox bench``: accuracy and latency of the real dictation pipeline on real speech.

Rooms: ``manifest`` reads the clip list, ``wer`` scores text, ``silence`` makes the no-speech set,
``sides`` holds what is measured (keyvox's pipeline, the whole-utterance baseline), ``runner`` drives
the clips through them, ``summary`` turns rows into numbers, ``report`` and ``plot`` show them, and
``command`` joins it all for the CLI.
"""
