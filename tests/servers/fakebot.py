"""A fake Telegram Bot API server on 127.0.0.1, run in a background thread.

    with FakeBotAPI(token="123:ABC") as bot:
        os.environ["TELEGRAM_API_URL"] = bot.url      # requests arrive at /bot<token>/<method>
        ...
        assert bot.messages[0].text.startswith("🔔")

It answers like the real API ({"ok": true, "result": ...}), accepts form-encoded,
JSON and multipart bodies as python-telegram-bot sends them, and validates HTML
like Telegram does (400 "Bad Request: can't parse entities: ..."). It is
stricter than Telegram on length: the text as sent (markup included) must not
exceed 4,096 UTF-16 code units, which is what the service promises.

Knobs: `fail_next`, `throttle_next`, `stall_next` (by default they hit only the
sending methods, so a worker's getUpdates polling does not eat them; pass
`methods=None` for every method), `set_chat_error`, `push_update`/`push_message`,
`push_callback` (a button press; the bot's answers land in `bot.answers`).
getUpdates honours `allowed_updates` as Telegram does: the last list given is
kept, and updates of other kinds are dropped. A getUpdates made while another
one is open (a second consumer of the token) is answered 409 Conflict, as Telegram
does, and counted in `bot.poll_conflicts`.
Accepted messages are checked against Telegram's limits (one message a second
to one chat; 20 a minute to a group or channel: a chat id starting with "-" or
"@"); breaches land in `bot.violations` (or are refused with 429 when
`enforce_limits=True`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

SEND_METHODS = ("sendMessage", "sendPhoto", "editMessageText")
_JSON_KEYS = {"link_preview_options", "reply_markup", "entities", "caption_entities",
              "allowed_updates", "commands", "offset", "limit", "timeout", "scope"}


@dataclass
class SentMessage:
    chat_id: str
    text: str  # the caption for photos
    parse_mode: str | None
    message_id: int
    time: float  # time.monotonic() on arrival
    method: str = "sendMessage"
    link_preview_options: dict | None = None
    photo: bytes | str | None = None
    reply_markup: dict | None = None  # inline keyboard, as sent


@dataclass
class Request:
    method: str  # Bot API method, e.g. "sendMessage"
    params: dict[str, Any]
    time: float
    http_method: str = "POST"
    status: int = 0


@dataclass
class _Fault:
    remaining: int
    methods: tuple[str, ...] | None
    args: dict[str, Any] = field(default_factory=dict)

    def take(self, method: str) -> bool:
        if self.remaining <= 0 or (self.methods is not None and method not in self.methods):
            return False
        self.remaining -= 1
        return True


class FakeBotAPI:
    """The fake server; use as a context manager or call start()/stop()."""

    def __init__(self, token: str = "123:ABC", *, enforce_limits: bool = False,
                 per_chat_gap: float = 1.0, group_per_minute: int = 20,
                 tolerance: float = 0.01, long_poll_cap: float = 1.0):
        self.token = token
        self.enforce_limits = enforce_limits
        self.per_chat_gap = per_chat_gap
        self.group_per_minute = group_per_minute
        self.tolerance = tolerance
        self.long_poll_cap = long_poll_cap
        self.messages: list[SentMessage] = []
        self.requests: list[Request] = []
        self.violations: list[dict[str, Any]] = []
        self.poll_conflicts: list[float] = []  # when a second getUpdates consumer came
        self._polls: list[web.Request] = []  # getUpdates requests open now
        self.chat_errors: dict[str, tuple[int, str]] = {}
        self._faults: list[tuple[str, _Fault]] = []
        self._updates: deque[dict] = deque()
        self.answers: list[dict[str, Any]] = []  # answerCallbackQuery calls
        self.allowed_updates: list[str] | None = None  # None: Telegram's default kinds
        self._next_update_id = 1
        self._next_message_id = 1
        self._sent_times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._update_event: asyncio.Event | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------
    @property
    def url(self) -> str:
        """The TELEGRAM_API_URL root (no /bot suffix)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeBotAPI:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True,
                                        name="fakebot")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Bot API did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._thread:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._startup())
        ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _startup(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._update_event = asyncio.Event()
        self._closing = asyncio.Event()

    async def _shutdown(self) -> None:
        if self._update_event:
            self._update_event.set()
            self._closing.set()
        if self._runner:
            await self._runner.cleanup()

    # -- knobs -----------------------------------------------------------------
    def fail_next(self, n: int = 1, status: int = 500, body: str = "<html>Bad Gateway</html>",
                  content_type: str = "text/html",
                  methods: tuple[str, ...] | None = SEND_METHODS) -> None:
        """Answer the next `n` matching requests with this raw status and body."""
        self._add_fault("fail", n, methods, status=status, body=body, content_type=content_type)

    def throttle_next(self, n: int = 1, retry_after: int = 2,
                      methods: tuple[str, ...] | None = SEND_METHODS) -> None:
        """Answer the next `n` matching requests with 429 and parameters.retry_after."""
        self._add_fault("throttle", n, methods, retry_after=retry_after)

    def stall_next(self, n: int = 1, seconds: float = 5.0,
                   methods: tuple[str, ...] | None = SEND_METHODS) -> None:
        """Delay the next `n` matching requests by `seconds` before answering."""
        self._add_fault("stall", n, methods, seconds=seconds)

    def hang_after_accept_next(self, n: int = 1, seconds: float = 60.0,
                               methods: tuple[str, ...] | None = SEND_METHODS) -> None:
        """Accept and record the next `n` matching requests, then hold the answer back.

        The message has reached "Telegram" but the client does not know it yet: the
        window in which a crash makes an at-least-once sender deliver twice.
        """
        self._add_fault("hang", n, methods, seconds=seconds)

    def set_chat_error(self, chat_id: str | int, status: int = 400,
                       description: str = "Bad Request: chat not found") -> None:
        """Refuse every request to this chat, e.g. 403 "Forbidden: bot was kicked ..."."""
        with self._lock:
            self.chat_errors[str(chat_id)] = (status, description)

    def clear_chat_error(self, chat_id: str | int) -> None:
        with self._lock:
            self.chat_errors.pop(str(chat_id), None)

    def push_update(self, update: dict) -> dict:
        """Queue an update for getUpdates; an update_id is assigned when missing."""
        with self._lock:
            update = dict(update)
            update.setdefault("update_id", self._next_update_id)
            self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
            self._updates.append(update)
        if self._loop and self._update_event:
            self._loop.call_soon_threadsafe(self._update_event.set)
        return update

    def push_message(self, chat_id: str | int, text: str, *, user_id: int = 1001,
                     username: str = "editor") -> dict:
        """Queue a text message (a bot command when it starts with "/") from a user."""
        chat = self._chat(str(chat_id))
        message: dict[str, Any] = {
            "message_id": self._take_message_id(), "date": int(time.time()), "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": username,
                     "username": username},
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        key = "channel_post" if chat["type"] == "channel" else "message"
        return self.push_update({key: message})

    def push_callback(self, chat_id: str | int, message_id: int, data: str, *,
                      user_id: int = 1001, first_name: str = "Ayşe",
                      last_name: str | None = "Yılmaz", query_id: str | None = None) -> dict:
        """Queue a press of an inline button under the bot's message `message_id`."""
        shown = self.shown(chat_id, message_id)
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        message = {"message_id": message_id, "date": int(time.time()),
                   "chat": self._chat(str(chat_id)), "text": shown.text if shown else "alert",
                   "from": {"id": int(self.token.split(":")[0]), "is_bot": True,
                            "first_name": "Fake Bot", "username": "fake_bot"}}
        query = {"id": query_id or f"q{self._take_message_id()}", "from": user,
                 "message": message, "chat_instance": f"ci{chat_id}", "data": data}
        return self.push_update({"callback_query": query})

    def shown(self, chat_id: str | int, message_id: int) -> SentMessage | None:
        """The message as the chat sees it now (its latest version)."""
        with self._lock:
            return next((m for m in reversed(self.messages)
                         if m.chat_id == str(chat_id) and m.message_id == message_id), None)

    def reset(self) -> None:
        """Forget messages, requests, violations, faults and chat errors."""
        with self._lock:
            self.messages.clear()
            self.answers.clear()
            self.requests.clear()
            self.violations.clear()
            self.chat_errors.clear()
            self._faults.clear()
            self._sent_times.clear()

    @property
    def texts(self) -> list[str]:
        with self._lock:
            return [m.text for m in self.messages]

    def _add_fault(self, kind: str, n: int, methods: tuple[str, ...] | None,
                   **args: Any) -> None:
        with self._lock:
            self._faults.append((kind, _Fault(n, methods, args)))

    def _take_fault(self, kind: str, method: str) -> dict[str, Any] | None:
        with self._lock:
            for k, fault in self._faults:
                if k == kind and fault.take(method):
                    return fault.args
        return None

    def _take_message_id(self) -> int:
        with self._lock:
            self._next_message_id += 1
            return self._next_message_id - 1

    # -- HTTP ------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        parts = request.path.strip("/").split("/")
        method = parts[-1] if len(parts) == 2 else ""
        params = await _read_params(request)
        record = Request(method, params, time.monotonic(), request.method)
        with self._lock:
            self.requests.append(record)
            if method == "getUpdates":
                conflict = self._start_poll(request)
        if method == "getUpdates" and conflict:
            return _error(409, "Conflict: terminated by other getUpdates request; make sure "
                               "that only one bot instance is running")
        try:
            response = await self._answer(parts, method, params)
        finally:
            if method == "getUpdates":
                with self._lock:
                    self._polls.remove(request)
        record.status = response.status
        return response

    def _start_poll(self, request: web.Request) -> bool:
        """Count a getUpdates made while another (its client still connected) is open:
        Telegram answers such a second consumer 409 Conflict."""
        live = [r for r in self._polls if r.transport is not None and not r.transport.is_closing()]
        if live:
            self.poll_conflicts.append(time.monotonic())
            return True
        self._polls.append(request)
        return False

    async def _answer(self, parts: list[str], method: str,
                      params: dict[str, Any]) -> web.Response:
        if stall := self._take_fault("stall", method):
            await asyncio.sleep(stall["seconds"])
        if fail := self._take_fault("fail", method):
            return web.Response(status=fail["status"], text=fail["body"],
                                content_type=fail["content_type"])
        if len(parts) != 2 or parts[0] != f"bot{self.token}":
            return _error(401 if parts[0].startswith("bot") else 404,
                          "Unauthorized" if parts[0].startswith("bot") else "Not Found")
        if throttle := self._take_fault("throttle", method):
            return _retry_after(throttle["retry_after"])
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        chat_id = params.get("chat_id")
        if chat_id is not None and (err := self.chat_errors.get(str(chat_id))):
            return _error(*err)
        try:
            result = await handler(params)
        except _APIError as exc:
            return exc.response
        if hang := self._take_fault("hang", method):
            with contextlib.suppress(TimeoutError):  # held until the time is up or we stop
                await asyncio.wait_for(self._closing.wait(), hang["seconds"])
        return _ok(result)

    # -- methods ---------------------------------------------------------------
    async def _m_getMe(self, params: dict) -> dict:
        return {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Fake Bot",
                "username": "fake_bot", "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _m_deleteWebhook(self, params: dict) -> bool:
        return True

    async def _m_setMyCommands(self, params: dict) -> bool:
        return True

    async def _m_getChat(self, params: dict) -> dict:
        return dict(self._chat(str(params.get("chat_id"))), accent_color_id=0,
                    max_reaction_count=11)

    async def _m_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), self.long_poll_cap)
        deadline = time.monotonic() + wait
        if isinstance(params.get("allowed_updates"), list):
            self.allowed_updates = params["allowed_updates"] or None
        while True:
            with self._lock:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
                kept = [u for u in self._updates if self._allowed(u)]
                self._updates = deque(kept)
                found = kept[:limit]
            left = deadline - time.monotonic()
            if found or left <= 0 or self._update_event is None:
                return found
            self._update_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._update_event.wait(), left)

    def _allowed(self, update: dict) -> bool:
        kinds = set(update) - {"update_id"}
        if self.allowed_updates is None:  # Telegram's default leaves these out
            return not kinds & {"chat_member", "message_reaction", "message_reaction_count"}
        return bool(kinds & set(self.allowed_updates))

    async def _m_answerCallbackQuery(self, params: dict) -> bool:
        if not params.get("callback_query_id"):
            raise _APIError(_error(400, "Bad Request: query is too old and response timeout "
                                        "expired or query ID is invalid"))
        with self._lock:
            self.answers.append(dict(params))
        return True

    async def _m_editMessageReplyMarkup(self, params: dict) -> dict:
        shown = self.shown(str(params.get("chat_id")), int(params.get("message_id") or 0))
        if shown is None:
            raise _APIError(_error(400, "Bad Request: message to edit not found"))
        params = dict(params, text=shown.text, parse_mode=shown.parse_mode)
        return self._accept(params, "editMessageReplyMarkup", shown.text)

    async def _m_sendMessage(self, params: dict) -> dict:
        text = _check_text(params, "text", 4096, "message is too long")
        return self._accept(params, "sendMessage", text)

    async def _m_editMessageText(self, params: dict) -> dict:
        text = _check_text(params, "text", 4096, "message is too long")
        return self._accept(params, "editMessageText", text)

    async def _m_sendPhoto(self, params: dict) -> dict:
        photo = params.get("photo")
        if photo is None:
            raise _APIError(_error(400, "Bad Request: there is no photo in the request"))
        caption = _check_text(params, "caption", 1024, "message caption is too long",
                              required=False)
        return self._accept(params, "sendPhoto", caption, photo=photo)

    def _accept(self, params: dict, method: str, text: str,
                photo: bytes | str | None = None) -> dict:
        chat_id = str(params.get("chat_id"))
        now = time.monotonic()
        editing = method.startswith("edit")
        if not editing and self._rate_breach(chat_id, now):
            raise _APIError(_retry_after(1))
        message_id = int(params["message_id"]) if editing else self._take_message_id()
        lpo, markup = params.get("link_preview_options"), params.get("reply_markup")
        with self._lock:
            self.messages.append(SentMessage(
                chat_id, text, params.get("parse_mode"), message_id, now, method,
                lpo if isinstance(lpo, dict) else None, photo,
                markup if isinstance(markup, dict) else None))
        result: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                                  "chat": self._chat(chat_id)}
        if photo is not None:
            result["photo"] = [{"file_id": f"photo{message_id}", "width": 800, "height": 600,
                                "file_unique_id": f"u{message_id}"}]
            if text:
                result["caption"] = text
        else:
            result["text"] = text
        return result

    def _rate_breach(self, chat_id: str, now: float) -> bool:
        """Record violations of the limits; True when the message must be refused."""
        with self._lock:
            sent = self._sent_times.setdefault(chat_id, deque())
            while sent and sent[0] <= now - 60.0:
                sent.popleft()
            found = []
            if sent and now - sent[-1] < self.per_chat_gap - self.tolerance:
                found.append({"chat_id": chat_id, "kind": "per_chat", "gap": now - sent[-1]})
            if chat_id.startswith(("-", "@")) and len(sent) >= self.group_per_minute:
                found.append({"chat_id": chat_id, "kind": "group", "count": len(sent) + 1})
            self.violations.extend(dict(v, time=now) for v in found)
            if found and self.enforce_limits:
                return True
            sent.append(now)
            return False

    def _chat(self, chat_id: str) -> dict[str, Any]:
        if chat_id.startswith("@"):
            return {"id": -1000000000000 - abs(hash(chat_id)) % 10**9, "type": "channel",
                    "title": chat_id[1:], "username": chat_id[1:]}
        try:
            number = int(chat_id)
        except ValueError:
            raise _APIError(_error(400, "Bad Request: chat not found")) from None
        if chat_id.startswith("-100"):
            return {"id": number, "type": "channel", "title": f"Channel {number}"}
        if number < 0:
            return {"id": number, "type": "group", "title": f"Group {number}"}
        return {"id": number, "type": "private", "first_name": "User"}


class _APIError(Exception):
    def __init__(self, response: web.Response):
        self.response = response


def _check_text(params: dict, key: str, limit: int, too_long: str,
                required: bool = True) -> str:
    text = params.get(key) or ""
    if not isinstance(text, str):
        text = str(text)
    if required and not text.strip():
        raise _APIError(_error(400, "Bad Request: message text is empty"))
    if utf16_len(text) > limit:
        raise _APIError(_error(400, f"Bad Request: {too_long}"))
    if (params.get("parse_mode") or "").upper() == "HTML":
        try:
            check_html(text)
        except TelegramHTMLError as exc:
            raise _APIError(_error(400, f"Bad Request: can't parse entities: {exc}")) from None
    return text


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        params.update(body if isinstance(body, dict) else {})
        return params
    if request.can_read_body:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                params[key] = value.file.read()
            else:
                params[key] = _decode(key, value)
    return params


def _decode(key: str, value: str) -> Any:
    if key in _JSON_KEYS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description},
                             status=status)


def _retry_after(seconds: int) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": 429,
         "description": f"Too Many Requests: retry after {seconds}",
         "parameters": {"retry_after": seconds}}, status=429)


# -- Telegram's HTML rules ----------------------------------------------------------
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
         "span", "tg-spoiler", "blockquote", "tg-emoji"}
_ATTR = r"""([a-zA-Z-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?"""
_TAG_RE = re.compile(rf"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+{_ATTR})*)\s*>")
_ATTR_RE = re.compile(_ATTR)
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")


class TelegramHTMLError(ValueError):
    """Why Telegram would refuse the text (the part after "can't parse entities: ")."""


def utf16_len(s: str) -> int:
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)


def check_html(text: str) -> None:
    """Raise TelegramHTMLError unless `text` is valid Telegram HTML."""
    stack: list[str] = []
    for m in re.finditer(r"[<&]", text):
        i = m.start()
        at = f"at byte offset {len(text[:i].encode())}"
        if text[i] == "&":
            if not _ENTITY_RE.match(text, i):
                raise TelegramHTMLError(f"Unsupported entity {at}")
            continue
        tag = _TAG_RE.match(text, i)
        if not tag:
            raise TelegramHTMLError(f"Unexpected character < {at}")
        closing, name, attrs = tag.group(1), tag.group(2).lower(), tag.group(3)
        if closing and not stack:
            raise TelegramHTMLError(f"Unexpected end tag {at}")
        if closing and stack[-1] != name:
            raise TelegramHTMLError(
                f'Unmatched end tag {at}, expected "</{stack[-1]}>", found "</{name}>"')
        if closing:
            stack.pop()
            continue
        if name not in _TAGS:
            raise TelegramHTMLError(f'Unsupported start tag "{name}" {at}')
        found = {k.lower(): (v or "").strip("\"'") for k, v in _ATTR_RE.findall(attrs)}
        for value in found.values():
            if "<" in value or any(not _ENTITY_RE.match(value, j)
                                   for j, ch in enumerate(value) if ch == "&"):
                raise TelegramHTMLError(f"Unsupported attribute value {at}")
        if name == "span" and found.get("class") != "tg-spoiler":
            raise TelegramHTMLError(f'Tag "span" must have class "tg-spoiler" {at}')
        stack.append(name)
    if stack:
        raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
