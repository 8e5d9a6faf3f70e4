"""Config file + environment -> one frozen Settings value.

Every error a person can cause here (a typo, an unknown key, a duration
without a unit, a chat that is no chat id, a token that is no token, an empty
feed list) becomes a ConfigError naming the file and line, or the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from monitor.config.values import ChatId, Duration, UserId, bot_token, chat_id
from monitor.config.yamlfile import line_of, read_yaml, validate
from monitor.errors import ConfigError
from monitor.models import FeedSource

DEFAULT_CONFIG = "config/monitor.yaml"
DEFAULT_API_URL = "https://api.telegram.org"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedModel(_Strict):
    url: str
    name: str | None = None
    interval: Duration | None = None
    kind: Literal["feed", "sitemap", "site"] | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"^https?://[^\s/]+", url.strip()):
            raise ValueError("a feed url must start with http:// or https://")
        return url.strip()


DEFAULT_ENGINES = {
    "bing": "https://www.bing.com/news/search?format=rss&q={query}",
    "google": "https://news.google.com/rss/search?q={query}&hl=tr&gl=TR&ceid=TR:tr",
}


class SearchModel(_Strict):
    engines: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ENGINES))
    interval: Duration = 900.0
    terms: int = Field(default=3, ge=1, le=8)  # the entry's name and its first aliases, quoted

    @field_validator("engines")
    @classmethod
    def _templates(cls, engines: dict[str, str]) -> dict[str, str]:
        if not engines:
            raise ValueError("list at least one engine (name: URL template with {query})")
        for name, template in engines.items():
            if not re.match(r"^https?://[^\s/]+", template.strip()) or "{query}" not in template:
                raise ValueError(f"engine {name}: an http(s) URL template containing {{query}}")
        return {name: template.strip() for name, template in engines.items()}


class BurstModel(_Strict):
    more_than: int = Field(default=5, ge=1)  # alerts of one entry to one chat ...
    within: Duration = 600.0  # ... within this time make a burst: one running summary


class ConfigModel(_Strict):
    interval: Duration = 300.0
    min_interval: Duration = 120.0
    max_interval: Duration = 3600.0
    contact: str | None = None
    max_age: Duration = 3 * 86400.0
    story_window: Duration = 3 * 86400.0
    allow_private_networks: bool = False
    database: str = "data/monitor.db"
    watchlists: str = "watchlists/"
    language: Literal["tr", "en"] = "tr"
    timezone: str = "Europe/Istanbul"
    fetch_timeout: Duration = 45.0
    admin_chat: ChatId | None = None
    health_port: int | None = Field(default=None, ge=1, le=65535)
    health_host: str = "127.0.0.1"
    command_chats: list[ChatId] = Field(default_factory=list)
    command_users: list[UserId] = Field(default_factory=list)
    digest_time: str | None = None
    article_retention: Duration = 30 * 86400.0  # article texts kept for replay, then pruned
    bursts: BurstModel = Field(default_factory=BurstModel)
    feeds: list[FeedModel] | str | None = None
    search: SearchModel | None = None

    @field_validator("contact")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(https?://|mailto:)\S+$", value.strip()):
            raise ValueError("a URL (https://...) or mailto: address where outlets can reach you")
        return value.strip() if value else None

    @field_validator("digest_time")
    @classmethod
    def _clock_time(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError("a local time such as 18:00 (HH:MM, 24-hour)")
        return value.strip() if value else None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        return name


@dataclass(frozen=True)
class SearchSettings:
    engines: tuple[tuple[str, str], ...]  # (name, URL template with {query})
    interval_s: float
    terms: int


@dataclass(frozen=True)
class Settings:
    config_path: Path
    interval_s: float
    min_interval_s: float
    max_interval_s: float
    contact: str | None
    search: SearchSettings | None
    max_age_s: float
    story_window_s: float
    allow_private_networks: bool
    database_url: str
    database_origin: str  # where the database was set: a config line or MONITOR_DATABASE
    watchlists_path: Path
    feeds: tuple[FeedSource, ...]
    language: str
    timezone: str
    fetch_timeout_s: float
    admin_chat: str | None
    health_port: int | None
    health_host: str
    command_chats: tuple[str, ...]
    command_users: tuple[str, ...]
    digest_time: str | None
    article_retention_s: float
    burst_more_than: int
    burst_window_s: float
    telegram_token: str | None
    telegram_chat_id: str | None
    telegram_api_url: str

    def __repr__(self) -> str:  # keep the token out of any accidental print or log
        return f"Settings(config_path={self.config_path!s}, feeds={len(self.feeds)})"


def config_path_from(arg: str | None, env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(arg or env.get("MONITOR_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the config file, then apply the environment."""
    env = os.environ if env is None else env
    raw = read_yaml(path)
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError("the config file must be a mapping of keys", path=str(path), line=1)
    config = validate(ConfigModel, raw, path)
    if config.min_interval > config.max_interval:
        raise ConfigError("min_interval is longer than max_interval", path=str(path),
                          line=line_of(raw, ("min_interval",)))
    feeds = _feed_sources(config, raw, path)
    token, chat, api_url = _telegram(env)
    database, origin = config.database, _origin(raw, path, "database")
    if env.get("MONITOR_DATABASE", "").strip():
        database, origin = env["MONITOR_DATABASE"].strip(), "MONITOR_DATABASE"
    admin_chat = config.admin_chat
    if env.get("TELEGRAM_ADMIN_CHAT_ID", "").strip():
        admin_chat = _env_value(env, "TELEGRAM_ADMIN_CHAT_ID", chat_id)
    return Settings(
        config_path=path,
        interval_s=config.interval,
        min_interval_s=config.min_interval,
        max_interval_s=config.max_interval,
        contact=config.contact,
        search=_search(config.search),
        max_age_s=config.max_age,
        story_window_s=config.story_window,
        allow_private_networks=config.allow_private_networks,
        database_url=database_url(database),
        database_origin=origin,
        watchlists_path=Path(config.watchlists),
        feeds=feeds,
        language=config.language,
        timezone=config.timezone,
        fetch_timeout_s=config.fetch_timeout,
        admin_chat=admin_chat,
        health_port=config.health_port,
        health_host=config.health_host,
        command_chats=tuple(config.command_chats),
        command_users=tuple(config.command_users),
        digest_time=config.digest_time,
        article_retention_s=config.article_retention,
        burst_more_than=config.bursts.more_than,
        burst_window_s=config.bursts.within,
        telegram_token=token,
        telegram_chat_id=chat,
        telegram_api_url=api_url,
    )


def _telegram(env: Mapping[str, str]) -> tuple[str | None, str | None, str]:
    """The Telegram variables, each checked; errors name the variable, never the token."""
    token = _env_value(env, "TELEGRAM_BOT_TOKEN", bot_token)
    chat = _env_value(env, "TELEGRAM_CHAT_ID", chat_id)
    if token and not chat:
        raise ConfigError("TELEGRAM_CHAT_ID must be set when TELEGRAM_BOT_TOKEN is set")
    api_url = (env.get("TELEGRAM_API_URL") or "").strip() or DEFAULT_API_URL
    if not re.match(r"^https?://[^\s/]+", api_url):
        raise ConfigError(f"{api_url!r} is not an http(s) URL", path="TELEGRAM_API_URL")
    return token, chat, api_url.rstrip("/")


def _env_value(env: Mapping[str, str], name: str, check: Callable[[str], str]) -> str | None:
    value = (env.get(name) or "").strip()
    if not value:
        return None
    try:
        return check(value)
    except ValueError as exc:
        raise ConfigError(str(exc), path=name) from None


def _origin(raw: Mapping[str, object], path: Path, key: str) -> str:
    """Where a key was set: "file:line", or the file alone when the default applies."""
    line = line_of(raw, (key,)) if key in raw else None
    return f"{path}:{line}" if line else str(path)


def database_url(value: str) -> str:
    """A SQLAlchemy URL as given, or a SQLite file path turned into one."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value)}"


def _feed_sources(config: ConfigModel, raw_config: Mapping[str, object],
                  path: Path) -> tuple[FeedSource, ...]:
    models, source_path, raw = config.feeds, path, raw_config
    loc: tuple[str, ...] = ("feeds",)
    if isinstance(models, str):
        source_path = Path(models)
        raw = read_yaml(source_path)
        loc = ()
        models = validate(TypeAdapter(list[FeedModel]), raw, source_path)
    if not models and config.search is None:
        raise ConfigError("no sources: list at least one under `feeds:` (- url: https://...)"
                          " or configure `search:`",
                          path=str(source_path), line=line_of(raw, loc) if loc else 1)
    seen: set[str] = set()
    feeds = []
    for index, model in enumerate(models or ()):
        if model.url in seen:
            line = line_of(raw, (*loc, index))
            raise ConfigError(f"feed {model.url} is listed twice", path=str(source_path), line=line)
        seen.add(model.url)
        interval = model.interval or config.interval
        feeds.append(FeedSource(model.url, model.name, interval, model.kind,
                                fixed_interval=model.interval is not None))
    return tuple(feeds)


def _search(model: SearchModel | None) -> SearchSettings | None:
    if model is None:
        return None
    return SearchSettings(tuple(model.engines.items()), model.interval, model.terms)
