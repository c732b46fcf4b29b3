"""A short recording shipped inside the package, so `keyvox transcribe --sample` proves the engine anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    """One bundled clip with what is said in it and where it comes from."""

    path: Path
    text: str
    """The reference transcript (lowercase, as published with the recording)."""
    source: str
    licence: str


SAMPLE = Sample(
    path=Path(__file__).with_name("librivox-sense-and-sensibility.flac"),
    text="unless to be rather cold hearted and rather selfish is to be ill disposed",
    source="LibriVox recording of Jane Austen, Sense and Sensibility, chapter 1 (5.3 s, 16 kHz mono), "
    "as cut for the CMU PocketSphinx test data",
    licence="public domain (LibriVox recordings are dedicated to the public domain)",
)
