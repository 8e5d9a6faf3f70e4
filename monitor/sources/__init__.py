"""Where news comes from: the one HTTP client (limits, guards, per-host slots), feeds,
news sitemaps and outlet discovery, news searches and their publishers, charsets, URLs,
poll scheduling, and article page extraction (headline, lead, boilerplate, dates).
`http`, `guard`, `hosts`, `client`, `discover`, `resolve` and `reader` do I/O; the rest
turn bytes into values."""
