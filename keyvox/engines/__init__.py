"""Speech-recognition engines behind one protocol (base), their registry and factory, and model weights."""
