"""``keyvox serve``: the OpenAI-compatible transcription server (the work is in keyvox.server)."""

from __future__ import annotations

import argparse

from keyvox.cli.options import add_model_options, load

WYOMING_DEFAULT_URI = "tcp://127.0.0.1:10300"
"""keyvox.server.wyoming.DEFAULT_URI, repeated so the parser need not import the wyoming package."""


def register(commands) -> None:
    serve = commands.add_parser("serve", help="run the OpenAI-compatible transcription server")
    serve.add_argument("--host", help="address to listen on (default: [server] host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default: [server] port, 8765)")
    serve.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="environment variable holding the API key clients "
        "must send (required to listen beyond loopback)",
    )
    serve.add_argument(
        "--wyoming",
        nargs="?",
        const=WYOMING_DEFAULT_URI,
        metavar="URI",
        help="also serve the Wyoming protocol for Home Assistant, on the same model and queue "
        f"(default URI: {WYOMING_DEFAULT_URI})",
    )
    serve.add_argument(
        "--wyoming-allow-remote",
        action="store_true",
        help="let Wyoming listen beyond loopback; Wyoming has no API key, so anyone who reaches the port "
        "can use it",
    )
    add_model_options(serve)
    serve.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from keyvox.server.run import serve

    return serve(load(args), args.host, args.port, args.api_key_env, args.wyoming, args.wyoming_allow_remote)
