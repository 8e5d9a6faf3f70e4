"""The Fetcher every command and the worker use, built one way from the settings."""

from __future__ import annotations

from typing import Protocol

from monitor.sources.http import Fetcher, FetchLimits, user_agent


class FetchSettings(Protocol):
    """What fetching needs of the settings (monitor.config.settings.Settings has it)."""

    @property
    def fetch_timeout_s(self) -> float: ...

    @property
    def allow_private_networks(self) -> bool: ...

    @property
    def contact(self) -> str | None: ...


def fetcher_for(settings: FetchSettings) -> Fetcher:
    """The configured timeouts, private-network rule and User-Agent (with its contact)."""
    return Fetcher(
        FetchLimits(total_timeout=settings.fetch_timeout_s),
        user_agent=user_agent(settings.contact),
        allow_private_networks=settings.allow_private_networks,
    )
