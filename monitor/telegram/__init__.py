"""Talking to Telegram: the sender (or the console), the outbox loop and its pacing,
bot commands, the digest's sending, and the staff services that tie them to the worker."""
