"""The `monitor` command: parse arguments, call the service, print, return an exit status."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import date

from monitor.config.settings import Settings, config_path_from, load_settings
from monitor.errors import ConfigError
from monitor.ops.logs import setup_logging
from monitor.reports import views as reports

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
    digest = commands.add_parser(
        "digest", help="the day's digest: counts per entry, top stories, a 14-day chart"
    )
    digest.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD",
                        help="the local day (default: today in the configured time zone)")
    digest.add_argument("--out", metavar="FILE.png",
                        help="write the chart there and print the digest instead of sending")
    history = commands.add_parser("history", help="past matches with their article metadata")
    history.add_argument("--entry", metavar="ID", help="only this watchlist entry")
    history.add_argument("--since", type=_iso_date, metavar="DATE",
                         help="from this local day on (YYYY-MM-DD)")
    history_format = history.add_mutually_exclusive_group()
    history_format.add_argument("--json", action="store_true", help="one JSON array")
    history_format.add_argument("--csv", action="store_true",
                                help="CSV with a header row (UTF-8 with BOM, for Excel)")
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
    from monitor.ops.redact import install_redaction
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
    gc.freeze()  # the index lives to the end: keep the collector from rescanning it
    write, encode = sys.stdout.write, json.JSONEncoder(ensure_ascii=False).encode
    for name in args.files:
        title, body = reports.read_input(name)
        found = matcher.find_matches(title, body)
        if args.json:
            write(encode(reports.match_json(name, found, matcher, title, body, args.explain))
                  + "\n")
        else:
            write("\n".join(reports.match_lines(name, found, matcher, title, body,
                                                args.explain)) + "\n")
    return EXIT_OK


def cmd_feeds(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print("\n".join(reports.feeds_table(settings)))
    return EXIT_OK


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _entry_names(settings: Settings) -> dict[str, str] | None:
    """Watchlist id -> name, or None when the watchlists cannot be read right now."""
    from monitor.config.watchlists import load_watchlists

    try:
        return {e.id: e.name for e in load_watchlists(settings.watchlists_path).entries}
    except ConfigError:
        return None


def cmd_digest(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from pathlib import Path

    from monitor.errors import DeliveryError
    from monitor.reports import digest as digests
    from monitor.store.database import Store

    store = Store(settings.database_url)
    try:
        day = args.date or digests.today(settings.timezone)
        digest = digests.build_digest(store.engine, day, settings.timezone, settings.language,
                                      entries=_entry_names(settings))
    finally:
        store.close()
    from monitor.messages.chart import render_chart  # matplotlib: only when drawing
    from monitor.messages.digest import render_digest_text

    png = render_chart(digest)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(png)
        print(render_digest_text(digest))
        print(f"chart: {out}")
        return EXIT_OK

    async def send() -> None:
        from monitor.telegram.console import ConsoleSender
        from monitor.telegram.digest import send_digest
        from monitor.telegram.sender import TelegramSender

        if settings.telegram_token and settings.telegram_chat_id:
            async with TelegramSender(settings.telegram_token,
                                      base_url=settings.telegram_api_url) as sender:
                await send_digest(sender, settings.telegram_chat_id, digest, png=png)
        else:
            await send_digest(ConsoleSender(), "console", digest, png=png)

    try:
        asyncio.run(send())
    except DeliveryError as exc:
        print(f"error: the digest was not delivered: {exc}", file=sys.stderr)
        return EXIT_PENDING
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from monitor.reports import history
    from monitor.store.database import Store

    store = Store(settings.database_url)
    try:
        rows = history.history_rows(store.engine, settings.timezone, entry_id=args.entry,
                                    since=args.since)
        known = history.recorded_entry_ids(store.engine) if args.entry and not rows else None
    finally:
        store.close()
    if known is not None and args.entry not in known:
        names = _entry_names(settings)
        if names is None or args.entry not in names:
            print(f"warning: unknown entry id {args.entry!r}", file=sys.stderr)
    if args.csv:
        sys.stdout.flush()
        sys.stdout.buffer.write(history.to_csv(rows).encode("utf-8"))
        sys.stdout.buffer.flush()
    elif args.json:
        sys.stdout.flush()
        sys.stdout.buffer.write((history.to_json(rows) + "\n").encode("utf-8"))
        sys.stdout.buffer.flush()
    else:
        print("\n".join(history.to_table(rows)))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

