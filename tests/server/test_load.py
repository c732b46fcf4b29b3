"""A small version of benchmarks/server_load.py against a real server around tiny.en: clients on their own
loopback addresses, short clips mixed with a long file, nothing lost, 429/503 with Retry-After past the
limits and recovery after them, and /metrics parsed by Prometheus' own parser during the load.

No timing is asserted: the machine is shared, so only what was answered counts."""

from __future__ import annotations

import threading

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers.loadkit import client_for, expected_texts, long_file, over_the_limit, run_load, short_clips
from tests.helpers.serverkit import running_server

TRANSCRIPTIONS = "/v1/audio/transcriptions"

pytestmark = pytest.mark.slow


def scrape(url: str, **headers) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}, read by prometheus-client's parser."""
    response = httpx.get(f"{url}/metrics", headers=headers, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture(scope="module")
def load_server(tiny_en):
    with running_server(tiny_en, max_queue=3, max_queue_per_client=1) as handle:
        yield handle


def test_nothing_is_lost_under_load_and_the_limits_refuse_then_recover(load_server):
    url = load_server.url
    clips = short_clips(count=4)
    expected = expected_texts(url, clips)
    long_audio = long_file(50.0)  # a few pieces of tiny.en: enough to interleave, short enough for CI
    with client_for(0) as http:
        long_expected = http.post(f"{url}/v1/audio/transcriptions", files={"file": ("long.wav", long_audio)})
    assert long_expected.status_code == 200
    seen_depths: list[float] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.3):
            samples = scrape(url)
            seen_depths.append(value(samples, "keyvox_queue_depth") + value(samples, "keyvox_in_flight"))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        tally = run_load(
            url,
            clips,
            expected,
            clients=4,
            seconds=8.0,
            long_audio=long_audio,
            long_expected=long_expected.json()["text"],
        )
    finally:
        stop.set()
        watcher.join()
    assert not tally.lost and not tally.wrong_text, (tally.lost, tally.wrong_text)
    assert tally.short_latency_s and tally.long_latency_s, "short and long requests were all answered"
    assert tally.refused_without_retry_after == 0
    assert max(seen_depths) >= 1, "the scrapes saw the load"

    burst = over_the_limit(url, clips[0][1], burst=8)
    assert burst["refused"] >= 1 and set(burst["statuses"]) <= {200, 429, 503}, burst
    assert burst["refused_with_retry_after"] == burst["refused"], burst
    assert burst["recovered_status"] == 200, burst

    after = scrape(url)
    answered_200 = len(clips) + 1 + tally.answered + burst["statuses"].count(200) + 1
    assert value(after, "keyvox_requests_total", route=TRANSCRIPTIONS, status="200") == answered_200
    refused = sum(tally.refused.values()) + burst["refused"]
    for status in ("429", "503"):
        sent = tally.refused.get(status, 0) + burst["statuses"].count(int(status))
        assert value(after, "keyvox_requests_total", route=TRANSCRIPTIONS, status=status) == sent
    assert (
        value(after, "keyvox_rejected_total", code="rate_limit_exceeded")
        + value(after, "keyvox_rejected_total", code="server_busy")
        == refused
    )
    assert value(after, "keyvox_queue_depth") == 0 and value(after, "keyvox_in_flight") == 0
    assert value(after, "keyvox_queue_wait_seconds_count") == answered_200
    assert value(after, "keyvox_processing_seconds_count") == answered_200
    assert value(after, "keyvox_audio_seconds_total") > 50.0 * (1 + len(tally.long_latency_s))
    assert value(after, "keyvox_request_duration_seconds_count", route=TRANSCRIPTIONS) >= answered_200


def test_metrics_need_the_key_when_one_is_set(tiny_en):
    with running_server(tiny_en, api_key="load-test-key") as handle:
        base = handle.url
        refused = httpx.get(f"{base}/metrics", timeout=30)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
        samples = scrape(handle.url, Authorization="Bearer load-test-key")
        assert value(samples, "keyvox_requests_total", route="/metrics", status="401") == 1
