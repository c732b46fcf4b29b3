"""Audio in: files on disk, and (in capture.py) the microphone."""
