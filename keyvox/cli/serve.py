"""``keyvox serve``: the OpenAI-compatible transcription server (the work is in keyvox.server)."""

from __future__ import annotations

import argparse

from keyvox.cli.options import add_model_options, load


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
    add_model_options(serve)
    serve.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from keyvox.server.run import serve

    return serve(load(args), args.host, args.port, args.api_key_env)
