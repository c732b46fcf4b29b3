"""The queue in front of the engine worker: 503 when full, 429 past one client's share, both with a
Retry-After, and places given back when requests end."""

from __future__ import annotations

import asyncio
import math

import pytest

from keyvox.core.engine_worker import EngineWorker
from keyvox.server.admission import ModelWorker
from keyvox.server.formats import ApiError


@pytest.fixture
def worker(tiny_en):
    engine = EngineWorker(tiny_en)
    yield ModelWorker(3, engine, max_per_client=2)
    engine.close()


def refusal(worker, client) -> ApiError:
    with pytest.raises(ApiError) as caught:
        worker.admit(client)
    error = caught.value
    assert int(error.headers["Retry-After"]) >= 1
    return error


def test_one_client_gets_429_past_its_share_and_the_full_queue_503(worker):
    first = [worker.admit("10.0.0.1"), worker.admit("10.0.0.1")]
    error = refusal(worker, "10.0.0.1")
    assert (
        error.status == 429
        and error.code == "rate_limit_exceeded"
        and "max_queue_per_client" in error.message
    )
    other = worker.admit("10.0.0.2")  # another client still has room
    error = refusal(worker, "10.0.0.3")
    assert error.status == 503 and error.code == "server_busy"
    first[0].release()
    first[0].release()  # a second release gives back nothing more
    assert worker.admitted == 2
    worker.admit("10.0.0.1")  # recovered: its share has room again
    assert refusal(worker, "10.0.0.1").status == 503
    other.release()


def test_retry_after_follows_the_measured_service_time(worker, tiny_en, manifest):
    """After a real decode the wait is the moving average of its time times the requests ahead."""
    from keyvox.audio.files import load_audio

    clip = load_audio(next(r for r in manifest if r["lang"] == "en")["path"])

    async def one() -> None:
        slot = worker.admit("10.0.0.1")
        await worker.run(slot, lambda engine: engine.transcribe_detailed(clip), audio_s=clip.shape[0] / 16000)

    asyncio.run(one())
    assert worker.admitted == 0
    held = [worker.admit("a"), worker.admit("b"), worker.admit("c")]
    expected = max(1, math.ceil(worker._seconds_per_job * 3))
    assert int(refusal(worker, "d").headers["Retry-After"]) == expected
    for slot in held:
        slot.release()
