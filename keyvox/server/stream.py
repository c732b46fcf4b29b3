"""``stream=true``: OpenAI's server-sent events for a transcription. One ``transcript.text.delta`` per
segment as soon as the engine has finished it (so a long file streams piece by piece, and no delta is
ever taken back), then ``transcript.text.done`` with the whole text (exactly the deltas joined) and the
usage; a failure after the stream began is an ``error`` event, as the openai client reads it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import numpy as np
from starlette.responses import StreamingResponse

from keyvox.audio.format import SAMPLE_RATE
from keyvox.engines.base import Segment, Transcriber, Transcription
from keyvox.server.admission import Slot
from keyvox.server.compat import AudioRequest
from keyvox.server.formats import usage
from keyvox.server.served import Served, publish

DELTA = "transcript.text.delta"
DONE = "transcript.text.done"
ERROR = "error"


def sse(payload: dict) -> bytes:
    """One server-sent event; the type travels in the JSON, as OpenAI sends it."""
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def stream_transcription(
    served: Served, slot: Slot, audio: np.ndarray, fields: AudioRequest, language: str
) -> StreamingResponse:
    """Queue the job now and answer with its events; the slot is freed when the job ends, even if the
    client stops reading."""
    loop = asyncio.get_running_loop()
    texts: asyncio.Queue[str] = asyncio.Queue()
    chain = served.chain

    def on_segment(segment: Segment) -> None:  # on the engine thread, as the text chain runs for requests
        text = segment.text if fields.raw else chain.process(_alone(segment))
        if text.strip():
            loop.call_soon_threadsafe(texts.put_nowait, text.strip())

    def work(engine: Transcriber) -> Transcription:
        return engine.transcribe_timed(
            audio, context=fields.prompt, vocabulary=chain.vocabulary, task=fields.task, on_segment=on_segment
        )

    started = time.perf_counter()
    job = asyncio.ensure_future(served.worker.run(slot, work, language, audio_s=audio.shape[0] / SAMPLE_RATE))
    return StreamingResponse(
        _events(served, job, texts, started),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    served: Served, job: asyncio.Future, texts: asyncio.Queue[str], started: float
) -> AsyncIterator[bytes]:
    deltas: list[str] = []

    def delta(text: str) -> bytes:
        deltas.append(f" {text}" if deltas else text)
        return sse({"type": DELTA, "delta": deltas[-1], "logprobs": None})

    while not job.done():
        getter = asyncio.ensure_future(texts.get())
        done, _ = await asyncio.wait({getter, job}, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            yield delta(getter.result())
        else:
            getter.cancel()
    # The engine thread queued every segment before the job's result reached this loop.
    while not texts.empty():
        yield delta(texts.get_nowait())
    try:
        transcription = job.result()
    except Exception as exc:  # the engine failed after the answer began: say so in the stream
        message = f"Transcription failed: {type(exc).__name__}: {exc}"
        yield sse({"type": ERROR, "error": _error(message)})
        return
    text = "".join(deltas)
    yield sse({"type": DONE, "text": text, "logprobs": None, "usage": usage(transcription)})
    publish(served.hub, transcription, text, started)


def _alone(segment: Segment) -> Transcription:
    """A segment as a transcription of its own, for the text chain (its guard needs the timing)."""
    return Transcription(segment.text, None, max(0.0, segment.end - segment.start), [segment])


def _error(message: str) -> dict:
    return {"message": message, "type": "server_error", "param": None, "code": "transcription_failed"}
