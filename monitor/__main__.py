"""`python -m monitor` is the `monitor` command."""

from monitor.cli import main

if __name__ == "__main__":  # extraction processes import this module again: run nothing
    raise SystemExit(main())
