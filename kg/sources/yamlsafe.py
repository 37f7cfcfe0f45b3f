"""A strict, safe YAML reader for the project's data files.

Safe constructors only, no tags at all (no `!!python/...`, no `!custom`, no `!!binary`), no
aliases or merge keys (no "billion laughs"), duplicate keys rejected, only plain scalars as
keys, nesting at most MAX_DEPTH deep, a size cap, and YAML 1.1 surprises switched off: only
`true`/`false` are booleans, only `null` and an empty value are null, only plain decimal
numbers are numbers. `no`, `on`, `~`, `2024-01-01`, `017`, `0o17`, `1_000`, `1:20`, `.inf`
and `0x1F` stay strings. Every mapping remembers the line it started on, and every error
names the file and, where there is one, the line.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from kg.errors import ClaimError, WhichModelError

MAX_BYTES = 2_000_000
MAX_DEPTH = 64
_MERGE = "tag:yaml.org,2002:merge"


class LineDict(dict):
    """A mapping that knows the 1-based line it starts on in its file."""

    line: int = 0


class _Resolver(yaml.resolver.BaseResolver):
    """Plain scalars: true/false, null (or empty), decimal int and float, `<<` (refused later)."""


_Resolver.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:null|)$"), ["n", ""])
_Resolver.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
                                list("-+0123456789"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:float",
                                re.compile(r"^[-+]?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]+)?$"),
                                list("-+0123456789"))
_Resolver.add_implicit_resolver(_MERGE, re.compile(r"^<<$"), ["<"])

_TAGGED = (yaml.events.ScalarEvent, yaml.events.SequenceStartEvent, yaml.events.MappingStartEvent)


class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
              yaml.composer.Composer, yaml.constructor.SafeConstructor, _Resolver):
    def __init__(self, stream, error_class: type[WhichModelError], filename: str):
        self.error_class = error_class
        self.filename = filename
        self.depth = 0
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)

    def fail(self, message: str, mark) -> WhichModelError:
        return self.error_class(message, file=self.filename, line=mark.line + 1 if mark else None)

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.events.AliasEvent):
            raise self.fail("YAML aliases (*name) are not allowed", event.start_mark)
        if isinstance(event, _TAGGED) and event.tag is not None:
            raise self.fail(f"YAML tags are not allowed (found {event.tag!r}); write plain values",
                            event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                raise self.fail("YAML merge keys (<<) are not allowed", key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail("mapping keys must be plain values, not lists or mappings",
                                key_node.start_mark)
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise self.fail(f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)


def _undefined(loader, node):
    raise loader.fail(f"YAML tag {node.tag!r} is not allowed", node.start_mark)


_Loader.add_constructor(None, _undefined)


def _line_of(text: str, position: int | None) -> int | None:
    return text[:position].count("\n") + 1 if position is not None else None


def parse_yaml(text: str, filename: str, error_class: type[WhichModelError] = ClaimError):
    """Parse YAML text strictly; errors name filename:line."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise error_class(f"file is larger than {MAX_BYTES} bytes", file=filename)
    loader = None
    try:
        loader = _Loader(text, error_class, filename)
        return loader.get_single_data()
    except yaml.reader.ReaderError as exc:
        raise error_class(f"malformed YAML: character U+{exc.character:04X} is not allowed in YAML text",
                          file=filename, line=_line_of(text, exc.position)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise error_class(f"malformed YAML: {exc.problem or exc}", file=filename, line=line) from None
    except yaml.YAMLError as exc:
        raise error_class(f"malformed YAML: {exc}", file=filename) from None
    finally:
        if loader is not None:
            loader.dispose()


def read_text(path: Path, error_class: type[WhichModelError], limit: int = MAX_BYTES) -> str:
    """A regular file's UTF-8 text, reading at most limit bytes; errors name the file (and line)."""
    if path.exists() and not path.is_file():
        raise error_class("cannot read: not a regular file", file=str(path))
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error_class(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    if len(data) > limit:
        raise error_class(f"file is larger than {limit} bytes", file=str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error_class(f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
                          "cannot be decoded", file=str(path), line=data[:exc.start].count(b"\n") + 1) from None


def load_yaml(path: Path, error_class: type[WhichModelError] = ClaimError):
    """Read and parse a YAML file strictly."""
    return parse_yaml(read_text(Path(path), error_class), str(path), error_class)
