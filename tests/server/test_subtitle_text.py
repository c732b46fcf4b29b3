"""Subtitles (SRT, VTT) carry the same text-chain output as the json and text formats."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette")

from keyvox.config.schema import Config
from keyvox.engines.base import Segment, Transcription
from keyvox.server.formats import render
from keyvox.text.chain import TextProcessor

ENGINE = Transcription(
    " hello world comma this is keyvox period how are you question mark",
    "en",
    6.0,
    [
        Segment(0.0, 2.0, " hello world comma this is keyvox period"),
        Segment(2.5, 6.0, " how are you question mark"),
    ],
)


def body(fmt: str, text: str) -> str:
    return render(ENGINE, text, fmt).body.decode()


def test_srt_and_vtt_hold_the_chained_text_in_order():
    text = TextProcessor(Config()).process(ENGINE)
    assert text == "Hello world, this is keyvox. How are you?"
    srt = body("srt", text)
    assert srt == (
        "1\n00:00:00,000 --> 00:00:02,000\nHello world, this is keyvox.\n\n"
        "2\n00:00:02,500 --> 00:00:06,000\nHow are you?\n"
    )
    vtt = body("vtt", text)
    assert vtt == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello world, this is keyvox.\n\n"
        "00:00:02.500 --> 00:00:06.000\nHow are you?\n"
    )
    assert body("text", text) == text + "\n"


def test_raw_text_and_dropped_text():
    raw = body("srt", ENGINE.text)
    assert "hello world comma this is keyvox period\n" in raw and "how are you question mark\n" in raw
    assert body("srt", "") == "" and body("vtt", "") == "WEBVTT\n\n"
