"""What the audio routes work with, shared by the plain answers and the streamed ones."""

from __future__ import annotations

import time
from dataclasses import dataclass

from keyvox.core.utterance import UtteranceResult
from keyvox.engines.base import Transcriber, Transcription
from keyvox.server.admission import ModelWorker
from keyvox.server.events import EventHub, result_event
from keyvox.text.chain import TextProcessor


@dataclass
class Served:
    """The model, its text chain, the queue in front of it, the event hub and the upload limit."""

    transcriber: Transcriber
    chain: TextProcessor
    worker: ModelWorker
    hub: EventHub
    max_upload_bytes: int


def publish(hub: EventHub, transcription: Transcription, text: str, started: float) -> None:
    """Tell ``/v1/events`` followers what a request was answered."""
    result = UtteranceResult(
        text, transcription, transcription.duration_s, started, delivered_at=time.perf_counter()
    )
    hub.publish(result_event(result, source="api"))
