"""Where news comes from: the one HTTP client (limits, guards), feed parsing, charsets,
URLs, poll scheduling, and article page extraction. Only `http` and `guard` do I/O;
the rest turn bytes into values."""
