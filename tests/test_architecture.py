"""The house rules of `monitor/` (docs/architecture.md), checked on the source itself.

- no module imports one that imports it back, directly or around a circle;
- each package imports only the packages below it (the table is the one in
  docs/architecture.md);
- the pure packages (matching, stories, messages, and the parsing half of
  sources) import no I/O library and no I/O module of the project;
- modules stay under 300 lines and every package says in its docstring what it owns;
- every command of the CLI has help text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from monitor.cli import build_parser
from tests.paths import ROOT

PACKAGE = ROOT / "monitor"
MAX_LINES = 300

# what each top-level part of monitor/ may import from monitor/ (besides itself)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "models": set(),
    "ops": {"errors", "models"},
    "matching": {"errors", "models"},
    "stories": {"matching"},
    "sources": {"errors", "matching", "models"},
    "messages": {"models"},
    "config": {"errors", "models", "matching"},
    "store": {"errors", "models", "ops"},
    "reports": {"config", "errors", "matching", "messages", "models", "sources", "store"},
    "telegram": {"config", "errors", "matching", "messages", "models", "ops", "reports", "store"},
    "pipeline": {"errors", "matching", "models", "ops", "sources", "store", "stories"},
    "service": {"config", "errors", "matching", "messages", "models", "ops", "pipeline",
                "reports", "sources", "store", "telegram"},
    "cli": {"cli_parser", "config", "errors", "matching", "messages", "models", "ops",
            "reports", "service", "sources", "store", "telegram"},
    "cli_parser": {"config"},
    "__main__": {"cli"},
}
IO_MODULES = {"monitor.sources.http", "monitor.sources.guard", "monitor.sources.hosts",
              "monitor.sources.resolve", "monitor.sources.discover", "monitor.sources.reader",
              "monitor.sources.client", "monitor.sources.pool"}
PURE = ("monitor.matching", "monitor.stories", "monitor.messages", "monitor.sources")
IO_LIBRARIES = {"sqlalchemy", "alembic", "httpx", "aiohttp", "telegram", "apscheduler",
                "prometheus_client", "socket", "asyncio", "subprocess", "ruamel", "urllib.request"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """Every module `name` imports, anywhere in its code (lazy imports too)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            for alias in node.names:  # `from monitor.store import migrations`
                if f"{node.module}.{alias.name}" in MODULES:
                    found.add(f"{node.module}.{alias.name}")
    return found


def project_imports(name: str) -> set[str]:
    return {target for target in imports(name) if target in MODULES and target != name}


def part(name: str) -> str:
    return name.split(".")[1] if name.count(".") else ""


def test_no_import_circles() -> None:
    graph = {name: project_imports(name) for name in MODULES}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                circle = [*stack[stack.index(target):], target]
                pytest.fail("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target)
        stack.pop()
        state[name] = 2

    for name in graph:
        if name not in state:
            visit(name)


@pytest.mark.parametrize("name", [n for n in MODULES if n != "monitor"])
def test_packages_import_only_what_lies_below_them(name: str) -> None:
    allowed = ALLOWED[part(name)] | {part(name)}
    wrong = {target for target in project_imports(name)
             if target != "monitor" and part(target) not in allowed}
    assert not wrong, f"{name} may not import {sorted(wrong)} (see docs/architecture.md)"


@pytest.mark.parametrize("name", [n for n in MODULES if n.startswith(PURE)
                                  and n not in IO_MODULES])
def test_pure_modules_do_no_io(name: str) -> None:
    found = imports(name)
    libraries = {lib for lib in IO_LIBRARIES
                 if any(target == lib or target.startswith(lib + ".") for target in found)}
    assert not libraries, f"{name} is pure but imports {sorted(libraries)}"
    assert not found & IO_MODULES, f"{name} is pure but imports {sorted(found & IO_MODULES)}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_short(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by job"


@pytest.mark.parametrize("name", [n for n, p in MODULES.items() if p.name == "__init__.py"])
def test_every_package_says_what_it_owns(name: str) -> None:
    docstring = ast.get_docstring(ast.parse(MODULES[name].read_text(encoding="utf-8")))
    assert docstring and len(docstring) > 40, f"{name} needs a docstring naming its job"


def test_every_command_has_help() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    helps = {action.dest: action.help for action in commands._get_subactions()}
    assert set(helps) == set(commands.choices)
    assert all(helps.values()), helps
