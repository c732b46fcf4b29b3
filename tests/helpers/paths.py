"""Where the checkout and the shared speech clips are, for tests, helpers and benchmarks alike."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SPEECH_DIR = Path(os.environ.get("KEYVOX_SPEECH_DIR", REPO.parent / "shared" / "speech"))
