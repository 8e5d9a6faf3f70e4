"""The argument parsers of the CLI's reports and database commands, and their value types.

`monitor.cli` builds the rest, binds every command to its handler and stays the
error boundary.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

Commands = Any  # argparse's private _SubParsersAction


def add_report_commands(commands: Commands) -> None:
    """digest, history, replay, near-misses and feedback: views of what is stored."""
    digest = commands.add_parser(
        "digest", help="the day's digest: counts per entry, top stories, a 14-day chart"
    )
    digest.add_argument("--date", type=iso_date, metavar="YYYY-MM-DD",
                        help="the local day (default: today in the configured time zone)")
    digest.add_argument("--out", metavar="FILE.png",
                        help="write the chart there and print the digest instead of sending")
    history = commands.add_parser("history", help="past matches with their article metadata")
    history.add_argument("--entry", metavar="ID", help="only this watchlist entry")
    history.add_argument("--since", type=iso_date, metavar="DATE",
                         help="from this local day on (YYYY-MM-DD)")
    history_format = history.add_mutually_exclusive_group()
    history_format.add_argument("--json", action="store_true", help="one JSON array")
    history_format.add_argument("--csv", action="store_true",
                                help="CSV with a header row (UTF-8 with BOM, for Excel)")
    replay = commands.add_parser(
        "replay", help="dry run of a watchlist edit over the stored articles"
    )
    replay.add_argument("--watchlists", required=True, metavar="PATH",
                        help="the edited watchlist file or folder")
    replay.add_argument("--since", type=duration, default="14d", metavar="DURATION",
                        help="articles stored or published this long ago or later (default 14d)")
    replay.add_argument("--json", action="store_true", help="one JSON object per changed article")
    near = commands.add_parser(
        "near-misses", help="what the matcher turned down but came close to, by phrase"
    )
    near.add_argument("--entry", metavar="ID", help="only this watchlist entry")
    near.add_argument("--since", type=duration, default="7d", metavar="DURATION",
                      help="articles stored or published this long ago or later (default 7d)")
    feedback = commands.add_parser("feedback", help="the staff's verdicts: precision per entry")
    feedback.add_argument("--since", type=iso_date, metavar="DATE",
                          help="verdicts from this local day on (YYYY-MM-DD)")
    feedback.add_argument("--examples", metavar="FILE",
                          help="write the judged snippets as an examples file, for review")


def add_db_command(commands: Commands) -> None:
    """`db upgrade` and `db copy --to URL`."""
    db = commands.add_parser("db", help="the database: apply migrations, copy it elsewhere")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="apply the schema migrations, print the version")
    copy = actions.add_parser(
        "copy", help="copy this database into an empty one at URL, verifying row counts"
    )
    copy.add_argument("--to", required=True, metavar="URL",
                      help="the empty target, e.g. postgresql+psycopg://user@host/db")
    for sub in (upgrade, copy):
        sub.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def duration(value: str) -> float:
    from monitor.config.values import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None
