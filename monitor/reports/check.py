"""What `monitor check` says: the config, the database, Telegram, the watchlists, the examples.

It validates without starting anything: the database is opened but neither
created nor migrated, and Telegram is not contacted.
"""

from __future__ import annotations

from monitor.config.examples import find_example_files, load_examples
from monitor.config.settings import DEFAULT_API_URL, Settings
from monitor.config.watchlists import load_watchlists
from monitor.matching.examples import evaluate
from monitor.matching.matcher import Matcher
from monitor.store.database import check_database


def check(settings: Settings) -> tuple[bool, list[str]]:
    """Lines to print and whether every example passed; UsageError on anything invalid."""
    watchlists = load_watchlists(settings.watchlists_path)
    database = check_database(settings.database_url, where=settings.database_origin)
    lines = [
        f"{settings.config_path}: OK ({len(settings.feeds)} feeds)",
        f"database {database}",
        telegram_line(settings),
        f"{settings.watchlists_path}: OK ({len(watchlists.entries)} entries "
        f"in {len(watchlists.files)} file{'s' if len(watchlists.files) != 1 else ''})",
    ]
    files = find_example_files(settings.watchlists_path)
    if not files:
        lines.append("no labelled examples next to the watchlists (NAME.examples.yaml)")
        return True, lines
    ids = [entry.id for entry in watchlists.entries]
    examples = [example for path in files for example in load_examples(path, ids)]
    result = evaluate(Matcher(watchlists), examples, ids)
    lines.append(f"examples: {', '.join(str(path) for path in files)}")
    lines.extend(f"  {line}" for line in result.lines())
    return result.ok, lines


def telegram_line(settings: Settings) -> str:
    """Where alerts go, as set (the bot token is checked for shape, never shown or sent)."""
    if not settings.telegram_token:
        return "telegram: no TELEGRAM_BOT_TOKEN; alerts are printed to the console"
    parts = [f"telegram: OK, alerts to {settings.telegram_chat_id}"]
    if settings.admin_chat:
        parts.append(f"admin notices to {settings.admin_chat}")
    if settings.telegram_api_url != DEFAULT_API_URL:
        parts.append(f"Bot API at {settings.telegram_api_url}")
    return ", ".join(parts) + " (token set; not contacted)"
