"""Read-only views over the database and the watchlists: the digest's data, history,
what the bot commands report, and what `check`, `match` and `feeds` print."""
