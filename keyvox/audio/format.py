"""The one audio format inside keyvox: mono float32 samples in [-1, 1] at 16 kHz, what every engine takes."""

SAMPLE_RATE = 16_000
