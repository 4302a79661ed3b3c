"""The documentation and `selftime --help` agree: docs/cli.md shows every command with every option it
takes, and every `selftime …` line in README.md and docs/ names a command and options that exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from selftime.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CLI_DOC = ROOT / "docs" / "cli.md"
COMMAND = typer.main.get_command(app)


def _commands(command, path: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


EVERY = dict(_commands(COMMAND))  # groups too: `selftime agent` is a fine thing to write
LEAVES = {path: command for path, command in EVERY.items() if not getattr(command, "commands", {})}


def _flags(command, *, hidden: bool, negations: bool = True) -> set[str]:  # type: ignore[no-untyped-def]
    flags: set[str] = set()
    for param in command.params:
        if param.param_type_name == "option" and (hidden or not param.hidden):
            names = (*param.opts, *param.secondary_opts) if negations else param.opts
            flags.update(o for o in names if o not in ("--help", "--install-completion", "--show-completion"))
    return flags


def _command_lines(text: str) -> Iterator[str]:
    """Every `selftime …` invocation: lines of code blocks and inline code spans."""
    in_block = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            yield from (part.strip() for part in line.split("&&"))
        else:
            yield from re.findall(r"`(selftime [^`]+)`", line)


def _resolve(line: str) -> list[tuple[str, tuple[str, ...], list[str]]]:
    """(line, command path, option-like words) per alternative of a `selftime …` line, `a | b` included."""
    line = line.removeprefix("$ ").split("  #")[0].split(" # ")[0].strip()
    if not line.startswith("selftime "):
        return []
    words = line.split()[1:]
    while words and words[0] == "--database-url":
        words = words[2:]
    path: tuple[str, ...] = ()
    group = COMMAND
    while words and words[0] in getattr(group, "commands", {}):
        path, group = (*path, words[0]), group.commands[words[0]]
        words = words[1:]
    found = []
    segment: list[str] = []
    for word in [*words, "|"]:
        if word != "|":
            segment.append(word)
            continue
        found.append((line, path, [w.strip("[]()") for w in segment]))
        segment = []
        # `selftime agent status | pause --minutes 30`: what follows a bar may be a sibling command.
    resolved = []
    parent = path[:-1]
    for i, (text, where, segment_words) in enumerate(found):
        if i and segment_words and (*parent, segment_words[0]) in EVERY:
            where, segment_words = (*parent, segment_words[0]), segment_words[1:]
        resolved.append((text, where, segment_words))
    return resolved


def test_the_reference_shows_every_command_with_every_option():
    lines = [line.split("  #")[0] for line in _command_lines(CLI_DOC.read_text())]
    missing = []
    for path, command in LEAVES.items():
        shown = [line for line in lines if re.match(rf"selftime {re.escape(' '.join(path))}(\s|$)", line)]
        if not shown:
            missing.append(" ".join(path))
            continue
        words = {w.strip("[]()|") for line in shown for w in line.split()}
        wanted = _flags(command, hidden=False, negations=False)
        missing += [f"{' '.join(path)} {flag}" for flag in sorted(wanted - words)]
    assert missing == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_documented_command_and_option_exists(doc: Path):
    wrong = []
    for line in _command_lines(doc.read_text()):
        for text, path, words in _resolve(line):
            command = EVERY.get(path)
            if command is None or (getattr(command, "commands", {}) and words and not words[0].startswith("-")):
                wrong.append(f"{text!r}: no command `selftime {' '.join((*path, *words[:1]))}`")
                continue
            flags = _flags(command, hidden=True) | _flags(COMMAND, hidden=True) | {"--help"}
            for word in words:
                option = word.split("=")[0]
                if option.startswith("-") and not re.fullmatch(r"-\d+(\.\d+)?", option) and option not in flags:
                    wrong.append(f"{text!r}: `selftime {' '.join(path)}` has no option {option}")
    assert wrong == []
