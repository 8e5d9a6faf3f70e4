"""Read hand-edited YAML and validate it, reporting errors by file and line.

Admins edit config and watchlists by hand; a typo must come back as one line
naming the file, the line and what is wrong, never a traceback.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from monitor.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, keeping line numbers; syntax errors become ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason})", path=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=str(path)) from None
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        line, problem = _yaml_problem(exc, text)
        raise ConfigError(f"invalid YAML: {problem}", path=str(path), line=line) from None
    except YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", path=str(path)) from None


# things left open, reported where they opened rather than where the parser gave up
_UNCLOSED = {
    "while parsing a flow sequence": "a list opened with '[' here is not closed with ']'",
    "while parsing a flow mapping": "a mapping opened with '{' here is not closed with '}'",
    "while scanning a quoted scalar": "a quote opened here is never closed",
}


def _yaml_problem(exc: MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """(1-based line, what is wrong) of a YAML syntax error."""
    context = (exc.context or "").strip()
    if context in _UNCLOSED and exc.context_mark is not None:
        return exc.context_mark.line + 1, _UNCLOSED[context]
    mark = exc.problem_mark or exc.context_mark
    # an error found at the end of the stream belongs to the last line, not past it
    line = min(mark.line + 1, text.count("\n") or 1) if mark is not None else None
    return line, " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"


def validate(schema: type[ModelT] | TypeAdapter[Any], data: Any, path: Path) -> Any:
    """Validate parsed YAML against a pydantic model or TypeAdapter; errors name their line."""
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(data)
        return schema.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # an unknown key explains a missing one ("entrys:" for "entries:"): report it first
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = _data_path(data, tuple(error["loc"]))
        where = _dotted(loc)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key" + _did_you_mean(schema, data, loc)
        text = f"{where}: {message}" if where else message
        raise ConfigError(text, path=str(path), line=line_of(data, loc)) from None


def _did_you_mean(schema: type[BaseModel] | TypeAdapter[Any], data: Any,
                  loc: tuple[Any, ...]) -> str:
    """' (did you mean 'entries'?)' for a misspelt key, else ' (check its spelling)'."""
    known = _keys_at(schema, loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6) if loc else []
    return f" (did you mean {close[0]!r}?)" if close else " (check its spelling)"


def _keys_at(schema: type[BaseModel] | TypeAdapter[Any], loc: tuple[Any, ...]) -> list[str]:
    """The keys a model accepts at `loc` (list indexes skipped), as far as it can be told."""
    model: Any = schema if isinstance(schema, type) else None
    if model is None:  # a TypeAdapter of a list of models
        args = getattr(schema, "_type", None)
        model = getattr(args, "__args__", (None,))[0]
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        model = _model_of(field.annotation) if field is not None else None
    return list(model.model_fields) if hasattr(model, "model_fields") else []


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside `list[Model]`, `Model | None` and the like."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest node of `loc` that exists in the parsed YAML."""
    node, line = data, _own_line(data)
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's own steps (union members like 'list[FeedModel]') from an error path."""
    kept: list[Any] = []
    node = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        elif not (last and isinstance(node, dict)):  # a missing or unknown key is kept
            continue
        kept.append(part)
    return tuple(kept)


def _own_line(node: Any) -> int | None:
    lc = getattr(node, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else None


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
