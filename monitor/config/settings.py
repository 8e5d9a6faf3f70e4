"""Config file + environment -> one frozen Settings value.

Every error a person can cause here (a typo, an unknown key, a bad duration,
a missing chat id) becomes a ConfigError naming the file and line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, field_validator

from monitor.config.yamlfile import line_of, read_yaml, validate
from monitor.errors import ConfigError
from monitor.models import FeedSource

DEFAULT_CONFIG = "config/monitor.yaml"
DEFAULT_API_URL = "https://api.telegram.org"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(value: object) -> float:
    """'90s', '5m', '1.5h', '3d' or a bare number of seconds -> seconds (> 0)."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 5m, 1h or 3d")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        found = _DURATION.match(str(value))
        if not found:
            raise ValueError(f"{value!r} is not a duration such as 30s, 5m, 1h or 3d")
        seconds = float(found.group(1)) * _UNITS[found.group(2) or "s"]
    if seconds <= 0:
        raise ValueError("a duration must be more than zero")
    return seconds


Duration = Annotated[float, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedModel(_Strict):
    url: str
    name: str | None = None
    interval: Duration | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"^https?://[^\s/]+", url.strip()):
            raise ValueError("a feed url must start with http:// or https://")
        return url.strip()


class ConfigModel(_Strict):
    interval: Duration = 300.0
    max_age: Duration = 3 * 86400.0
    story_window: Duration = 3 * 86400.0
    allow_private_networks: bool = False
    database: str = "data/monitor.db"
    watchlists: str = "watchlists/"
    language: Literal["tr", "en"] = "tr"
    timezone: str = "Europe/Istanbul"
    fetch_timeout: Duration = 45.0
    admin_chat: str | int | None = None
    health_port: int | None = Field(default=None, ge=1, le=65535)
    health_host: str = "127.0.0.1"
    command_chats: list[str | int] = Field(default_factory=list)
    command_users: list[str | int] = Field(default_factory=list)
    digest_time: str | None = None
    feeds: list[FeedModel] | str = Field(default_factory=list)

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
class Settings:
    config_path: Path
    interval_s: float
    max_age_s: float
    story_window_s: float
    allow_private_networks: bool
    database_url: str
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
    feeds = _feed_sources(config, raw, path)
    token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip() or None
    chat_id = (env.get("TELEGRAM_CHAT_ID") or "").strip() or None
    if token and not chat_id:
        raise ConfigError("TELEGRAM_CHAT_ID must be set when TELEGRAM_BOT_TOKEN is set")
    return Settings(
        config_path=path,
        interval_s=config.interval,
        max_age_s=config.max_age,
        story_window_s=config.story_window,
        allow_private_networks=config.allow_private_networks,
        database_url=database_url(env.get("MONITOR_DATABASE") or config.database),
        watchlists_path=Path(config.watchlists),
        feeds=feeds,
        language=config.language,
        timezone=config.timezone,
        fetch_timeout_s=config.fetch_timeout,
        admin_chat=str(env.get("TELEGRAM_ADMIN_CHAT_ID") or config.admin_chat or "") or None,
        health_port=config.health_port,
        health_host=config.health_host,
        command_chats=tuple(str(chat) for chat in config.command_chats),
        command_users=tuple(str(user) for user in config.command_users),
        digest_time=config.digest_time,
        telegram_token=token,
        telegram_chat_id=chat_id,
        telegram_api_url=(env.get("TELEGRAM_API_URL") or DEFAULT_API_URL).rstrip("/"),
    )


def database_url(value: str) -> str:
    """A SQLAlchemy URL as given, or a SQLite file path turned into one."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value)}"


def _feed_sources(config: ConfigModel, raw_config: object, path: Path) -> tuple[FeedSource, ...]:
    models, source_path, raw, loc = config.feeds, path, raw_config, ("feeds",)
    if isinstance(models, str):
        source_path = Path(models)
        raw = read_yaml(source_path)
        loc = ()
        models = validate(TypeAdapter(list[FeedModel]), raw, source_path)
    seen: set[str] = set()
    feeds = []
    for index, model in enumerate(models):
        if model.url in seen:
            line = line_of(raw, (*loc, index))
            raise ConfigError(f"feed {model.url} is listed twice", path=str(source_path), line=line)
        seen.add(model.url)
        feeds.append(FeedSource(model.url, model.name, model.interval or config.interval))
    return tuple(feeds)
