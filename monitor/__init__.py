"""KMTSO news monitor: feeds -> pages -> matches -> outbox -> Telegram.

`cli` parses commands, `service` runs the worker, `pipeline` puts the stages in
order; each stage is a package (`sources`, `matching`, `stories`, `store`,
`messages`, `telegram`, `reports`, `config`, `ops`). docs/architecture.md maps them.
"""
