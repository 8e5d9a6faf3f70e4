"""What staff read, as Telegram HTML (pure): alerts, bot replies, the digest and its chart,
and the markup helpers that keep every message escaped and within Telegram's limits."""
