"""The `monitor` command: parse arguments, call the service, print, return an exit status."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Sequence

from monitor import reports
from monitor.errors import ConfigError
from monitor.logs import setup_logging
from monitor.settings import Settings, config_path_from, load_settings

EXIT_OK, EXIT_PENDING, EXIT_CONFIG = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor", description="News monitoring and Telegram alerts for KMTSO."
    )
    parser.add_argument(
        "--config",
        help="config file (default: $MONITOR_CONFIG, else config/monitor.yaml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the worker: poll feeds, match, send alerts")
    run.add_argument(
        "--once", action="store_true", help="poll every feed once, deliver what is pending, exit"
    )
    commands.add_parser("check", help="validate the config and watchlists, run their examples")
    match = commands.add_parser("match", help="dry run: which entries an article matches")
    match.add_argument("files", nargs="+", metavar="FILE", help=".html page, text file, or -")
    match.add_argument("--json", action="store_true", help="one JSON object per input")
    match.add_argument("--explain", action="store_true", help="also say why near misses failed")
    commands.add_parser("feeds", help="each feed's health and the outbox depth")
    for name, sub in commands.choices.items():
        sub.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        sub.set_defaults(handler=globals()[f"cmd_{name}"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_OK


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(config_path_from(args.config))


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from monitor.redact import install_redaction
    from monitor.service import Service

    install_redaction(settings.telegram_token)

    async def work() -> int:
        async with Service(settings) as service:
            if args.once:
                return EXIT_OK if await service.run_once() else EXIT_PENDING
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            await service.run(stop)
            return EXIT_OK

    return asyncio.run(work())


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    ok, lines = reports.check(settings)
    print("\n".join(lines))
    return EXIT_OK if ok else EXIT_CONFIG


def cmd_match(args: argparse.Namespace) -> int:
    settings = _settings(args)
    logging.getLogger().setLevel(logging.WARNING)
    matcher = reports.load_matcher(settings)
    for name in args.files:
        title, body = reports.read_input(name)
        found = matcher.find_matches(title, body)
        if args.json:
            print(json.dumps(reports.match_json(name, found, matcher, title, body, args.explain),
                             ensure_ascii=False))
        else:
            print("\n".join(reports.match_lines(name, found, matcher, title, body, args.explain)))
    return EXIT_OK


def cmd_feeds(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print("\n".join(reports.feeds_table(settings)))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

