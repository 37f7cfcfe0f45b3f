"""A strict, safe YAML reader for the project's data files.

Safe constructors only (no python tags), no aliases (no "billion laughs"), duplicate keys
rejected, YAML 1.1 surprises switched off (`no`, `on` and bare dates stay strings; only
true/false are booleans), a size cap, and every mapping remembers the line it started on.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from kg.errors import ClaimError, WhichModelError

MAX_BYTES = 2_000_000


class LineDict(dict):
    """A mapping that knows the 1-based line it starts on in its file."""

    line: int = 0


class _Resolver(yaml.resolver.BaseResolver):
    pass


for _first, _resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        if _tag in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"):
            continue
        _Resolver.add_implicit_resolver(_tag, _regexp, [_first])
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
              yaml.composer.Composer, yaml.constructor.SafeConstructor, _Resolver):
    def __init__(self, stream, error_class: type[WhichModelError], filename: str):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)
        self.error_class = error_class
        self.filename = filename

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()
            raise self.error_class("YAML aliases (*name) are not allowed",
                                   file=self.filename, line=event.start_mark.line + 1)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise self.error_class(
                    f"duplicate key {key!r} (first on line {seen[key]})",
                    file=self.filename, line=key_node.start_mark.line + 1)
            seen[key] = key_node.start_mark.line + 1
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)


def _undefined(loader, node):
    raise loader.error_class(f"YAML tag {node.tag!r} is not allowed",
                             file=loader.filename, line=node.start_mark.line + 1)


_Loader.add_constructor(None, _undefined)


def parse_yaml(text: str, filename: str, error_class: type[WhichModelError] = ClaimError):
    """Parse YAML text strictly; errors name filename:line."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise error_class(f"file is larger than {MAX_BYTES} bytes", file=filename)
    loader = _Loader(text, error_class, filename)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise error_class(f"malformed YAML: {exc.problem or exc}", file=filename, line=line) from None
    except yaml.YAMLError as exc:
        raise error_class(f"malformed YAML: {exc}", file=filename) from None
    finally:
        loader.dispose()


def load_yaml(path: Path, error_class: type[WhichModelError] = ClaimError):
    """Read and parse a YAML file strictly."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise error_class(f"file is larger than {MAX_BYTES} bytes", file=str(path))
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error_class(f"cannot read: {exc}", file=str(path)) from None
    return parse_yaml(text, str(path), error_class)
