"""The files admins edit, read into typed values: the config and environment, watchlists,
labelled examples. Every mistake becomes a ConfigError naming the file and line."""
