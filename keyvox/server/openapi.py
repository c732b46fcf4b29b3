"""``/openapi.json``: the server's HTTP routes as an OpenAPI 3.1 document, so generic tools (API
explorers, schemathesis) can drive them. Written out by hand from what the routes accept; the fields
match keyvox/server/compat.py."""

from __future__ import annotations

from keyvox.server.formats import ResponseFormat

ERROR = {"$ref": "#/components/schemas/Error"}


def _refusals(*statuses: int) -> dict:
    return {
        str(status): {
            "description": "Refused, in OpenAI's error envelope",
            "content": {"application/json": {"schema": ERROR}},
        }
        for status in statuses
    }


def _audio_form(with_language: bool) -> dict:
    properties = {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "The audio, in any format FFmpeg reads",
        },
        "model": {"type": "string", "description": "Accepted and ignored: the loaded model answers"},
        "prompt": {"type": "string"},
        "response_format": {"type": "string", "enum": [f.value for f in ResponseFormat]},
        "temperature": {"type": "number", "minimum": 0, "maximum": 1},
        "timestamp_granularities[]": {
            "type": "array",
            "items": {"type": "string", "enum": ["word", "segment"]},
            "description": "Only with response_format verbose_json",
        },
        "stream": {"type": "boolean", "description": "Server-sent events; with json or text only"},
    }
    if with_language:
        properties["language"] = {"type": "string", "description": 'ISO-639-1, a BCP-47 tag, "" or auto'}
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["file"], "properties": properties}
            }
        },
    }


def _audio_operation(summary: str, with_language: bool) -> dict:
    answer = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
    return {
        "post": {
            "summary": summary,
            "requestBody": _audio_form(with_language),
            "responses": {
                "200": {
                    "description": "The text, in the format asked for",
                    "content": {
                        "application/json": {"schema": answer},
                        "text/plain": {"schema": {"type": "string"}},
                        "text/vtt": {"schema": {"type": "string"}},
                        "application/x-subrip": {"schema": {"type": "string"}},
                        "text/event-stream": {"schema": {"type": "string"}},
                    },
                },
                **_refusals(400, 401, 413, 415, 503),
            },
        }
    }


def openapi_document() -> dict:
    """The document ``GET /openapi.json`` answers."""
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["message", "type", "param", "code"],
                "properties": {
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                    "param": {"type": ["string", "null"]},
                    "code": {"type": ["string", "null"]},
                },
            }
        },
    }
    plain = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "keyvox serve", "version": "1", "description": "OpenAI-compatible speech to text"},
        "paths": {
            "/health": {"get": {"summary": "Liveness and queue depth (needs no key)", "responses": plain}},
            "/v1/models": {"get": {"summary": "The loaded model", "responses": {**plain, **_refusals(401)}}},
            "/v1/audio/transcriptions": _audio_operation("Transcribe audio", with_language=True),
            "/v1/audio/translations": _audio_operation("Translate audio to English", with_language=False),
        },
        "components": {"schemas": {"Error": error}},
    }
