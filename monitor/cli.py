"""The `monitor` command: parse arguments, run one command, turn its outcome into an exit status.

This is the error boundary. A UsageError (a bad config or watchlist line, a
variable, a database that cannot be opened, an input file) ends the command
with one line `error: ...` on stderr and exit 2; anything else is a bug,
logged with its traceback, exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from monitor.cli_parser import add_db_command, add_report_commands
from monitor.config.settings import Settings, config_path_from, load_settings
from monitor.errors import DeliveryError, ExtractError, InputError, UsageError
from monitor.ops.logs import setup_logging

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
Handler = Callable[[argparse.Namespace], int]
log = logging.getLogger(__name__)


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
    commands.add_parser("check", help="validate the config, database, Telegram settings and "
                                      "watchlists; run the watchlists' examples")
    match = commands.add_parser("match", help="dry run: which entries an article matches")
    match.add_argument("files", nargs="+", metavar="FILE", help=".html page, text file, or -")
    match.add_argument("--json", action="store_true", help="one JSON object per input")
    match.add_argument("--explain", action="store_true", help="also say why near misses failed")
    commands.add_parser("feeds", help="each feed's health and the outbox depth")
    discover = commands.add_parser(
        "discover", help="find an outlet's feeds and news sitemaps; print a feeds: snippet"
    )
    discover.add_argument("urls", nargs="+", metavar="URL",
                          help="an outlet's homepage, or a feed or sitemap URL")
    extract = commands.add_parser(
        "extract", help="what the monitor reads from one page: headline, time, author, lead, body"
    )
    extract.add_argument("source", metavar="FILE|URL", help="a saved page, or its http(s) URL")
    extract.add_argument("--json", action="store_true", help="one JSON object")
    add_report_commands(commands)
    add_db_command(commands)
    for name, sub in commands.choices.items():
        sub.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        sub.set_defaults(handler=HANDLERS[name])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    handler: Handler = args.handler
    try:
        return handler(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK
    except BrokenPipeError:  # `monitor history | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return EXIT_OK
    except Exception:
        log.exception("bug: monitor %s failed; please report this with the lines above",
                      args.command)
        return EXIT_FAILED


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
                return EXIT_OK if await service.run_once() else EXIT_FAILED
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            await service.run(stop)
            return EXIT_OK

    return asyncio.run(work())


def cmd_check(args: argparse.Namespace) -> int:
    from monitor.reports.check import check

    ok, lines = check(_settings(args))
    print("\n".join(lines))
    return EXIT_OK if ok else EXIT_USAGE


def cmd_match(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from monitor.config.watchlists import load_watchlists
    from monitor.matching.matcher import Matcher
    from monitor.reports.inputs import check_inputs, read_input
    from monitor.reports.match_output import match_json, match_lines

    check_inputs(args.files)
    logging.getLogger().setLevel(logging.WARNING)
    matcher = Matcher(load_watchlists(settings.watchlists_path))
    gc.freeze()  # the index lives to the end: keep the collector from rescanning it
    write, encode = sys.stdout.write, json.JSONEncoder(ensure_ascii=False).encode
    for name in args.files:
        title, body = read_input(name)
        found = matcher.find_matches(title, body)
        if args.json:
            write(encode(match_json(name, found, matcher, title, body, args.explain)) + "\n")
        else:
            write("\n".join(match_lines(name, found, matcher, title, body, args.explain)) + "\n")
    return EXIT_OK


def cmd_feeds(args: argparse.Namespace) -> int:
    from monitor.reports.feed_health import feeds_table

    print("\n".join(feeds_table(_settings(args))))
    return EXIT_OK


def cmd_digest(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from monitor.messages.chart import render_chart  # matplotlib: only when drawing
    from monitor.messages.digest import render_digest_text
    from monitor.reports.digest import read_digest

    digest = read_digest(settings, args.date)
    png = render_chart(digest)
    if args.out:
        out = Path(args.out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(png)
        except OSError as exc:
            raise InputError(str(out), f"cannot write the chart: {exc.strerror or exc}") from None
        print(render_digest_text(digest))
        print(f"chart: {out}")
        return EXIT_OK
    from monitor.telegram.digest import deliver_digest

    try:
        asyncio.run(deliver_digest(settings, digest, png))
    except DeliveryError as exc:
        print(f"error: the digest was not delivered: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from monitor.reports.history import print_history

    print_history(_settings(args), entry_id=args.entry, since=args.since,
                  form="csv" if args.csv else "json" if args.json else "table")
    return EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from monitor.reports.discover_output import check_urls, discover_all, discover_lines

    check_urls(args.urls)
    found = asyncio.run(discover_all(settings, args.urls))
    print("\n".join(discover_lines(found, settings)))
    return EXIT_OK if all(d.best is not None for d in found) else EXIT_FAILED


def cmd_extract(args: argparse.Namespace) -> int:
    from monitor.reports.extract_output import extract_json, extract_lines, read_article

    try:
        article = read_article(args.source, lambda: _settings(args))
    except ExtractError as exc:
        print(f"error: nothing could be extracted from {args.source}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(extract_json(article), ensure_ascii=False))
    else:
        print("\n".join(extract_lines(article)))
    return EXIT_OK


def cmd_replay(args: argparse.Namespace) -> int:
    from monitor.reports.replay import run_replay

    settings = _settings(args)
    logging.getLogger().setLevel(logging.WARNING)
    run_replay(settings, Path(args.watchlists), args.since, as_json=args.json,
               write=sys.stdout.write)
    return EXIT_OK


def cmd_near_misses(args: argparse.Namespace) -> int:
    from monitor.reports.near_misses import print_near_misses

    settings = _settings(args)
    logging.getLogger().setLevel(logging.WARNING)
    print_near_misses(settings, entry_id=args.entry, since_s=args.since, write=sys.stdout.write)
    return EXIT_OK


def cmd_feedback(args: argparse.Namespace) -> int:
    from monitor.reports.feedback import print_feedback

    print_feedback(_settings(args), since=args.since, examples=args.examples)
    return EXIT_OK


def cmd_db(args: argparse.Namespace) -> int:
    from monitor.reports.database import copy_to, upgrade
    from monitor.store.copy import CopyFailed

    settings = _settings(args)
    if args.db_command == "upgrade":
        print(upgrade(settings))
        return EXIT_OK
    try:
        copy_to(settings, args.to, sys.stdout.write)
    except CopyFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


HANDLERS: dict[str, Handler] = {
    "run": cmd_run, "check": cmd_check, "match": cmd_match, "feeds": cmd_feeds,
    "digest": cmd_digest, "history": cmd_history, "discover": cmd_discover,
    "extract": cmd_extract, "feedback": cmd_feedback,
    "replay": cmd_replay, "near-misses": cmd_near_misses, "db": cmd_db,
}


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
