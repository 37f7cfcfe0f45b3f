"""A test-wide audit hook (PEP 578) that proves what code under test does not touch.

Installed once per process (by conftest.py, and by tests/auditsite/sitecustomize.py in every
subprocess the tests start with `subprocess_env()`), it watches three kinds of event:

- `socket.connect` / `socket.getaddrinfo` to anything but loopback,
- `urllib.Request` to anything but loopback,
- `open` of a path outside the allowed roots (the project, the Python installation, the
  temporary folder, /dev and /proc, and the shared corpus folder beside the project).

Outside a guarded section, escapes are only recorded (a test-wide tally reported at the end of
the session; any one fails it). Inside `guarded()`, an escape is recorded and refused:
the hook raises PermissionError, so the operation never happens. In subprocesses, escapes are
appended as JSON lines to the file named by WHICHMODEL_AUDIT_LOG.
"""
from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = Path(__file__).resolve().parent / "auditsite"
LOG_ENV = "WHICHMODEL_AUDIT_LOG"

_state = {"installed": False, "roots": (), "log": None}
_escapes: list[dict] = []
_local = threading.local()
_lock = threading.Lock()


def _roots() -> tuple[str, ...]:
    found = {ROOT, ROOT.parent / "shared", Path(sys.prefix), Path(sys.base_prefix),
             Path(sys.exec_prefix), Path(tempfile.gettempdir()), Path("/dev"), Path("/proc"),
             Path("/sys/fs/cgroup"), Path("/sys/devices/system/cpu"), Path("/usr/share/zoneinfo"),
             Path("/etc/mime.types"),
             Path("/etc/os-release"), Path("/etc/lsb-release")}    # onnxruntime reads the distro's name at import
    for name in sys.path:
        if name and ("site-packages" in name or "dist-packages" in name):
            found.add(Path(name))
    resolved = {str(p.resolve()) for p in found} | {str(p) for p in found}
    return tuple(sorted(resolved))


def _loopback(host) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _outside(path) -> str | None:
    """The path when it lies outside every allowed root, else None."""
    if isinstance(path, int):
        return None        # an already-open file descriptor
    try:
        text = os.fsdecode(path)
    except TypeError:
        return None
    absolute = os.path.abspath(text)
    if any(absolute == r or absolute.startswith(r + os.sep) for r in _state["roots"]):
        return None
    return absolute


def _escape(event: str, args) -> dict | None:
    if event == "open":
        outside = _outside(args[0])
        return {"kind": "file", "target": outside} if outside else None
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and address and not _loopback(address[0]):
            return {"kind": "network", "target": f"{address[0]}:{address[1] if len(address) > 1 else ''}"}
        return None
    if event == "socket.getaddrinfo":
        return None if _loopback(args[0]) else {"kind": "network", "target": f"resolve {args[0]}"}
    if event == "urllib.Request":
        from urllib.parse import urlsplit

        url = str(args[0])
        host = urlsplit(url).hostname
        return None if _loopback(host) and url.startswith(("http://", "https://")) else \
            {"kind": "network" if host else "file", "target": url}
    return None


def _hook(event: str, args) -> None:
    if event not in ("open", "socket.connect", "socket.getaddrinfo", "urllib.Request"):
        return
    if getattr(_local, "busy", False):
        return
    _local.busy = True
    try:
        escape = _escape(event, args)
        if escape is None:
            return
        escape["guarded"] = bool(getattr(_local, "guards", 0))
        with _lock:
            _escapes.append(escape)
            if _state["log"]:
                with open(_state["log"], "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(escape) + "\n")
    finally:
        _local.busy = False
    if escape["guarded"]:
        raise PermissionError(f"audit: {escape['kind']} access refused in a guarded section: {escape['target']}")


def install(log: str | None = None) -> None:
    """Install the hook in this process (once; audit hooks cannot be removed)."""
    if _state["installed"]:
        return
    _state.update(installed=True, roots=_roots(), log=log)
    sys.addaudithook(_hook)


def escapes(kind: str | None = None) -> list[dict]:
    with _lock:
        return [e for e in _escapes if kind is None or e["kind"] == kind]


@contextlib.contextmanager
def guarded():
    """A section in which any escape is refused (PermissionError) and recorded.

    Yields a list that ends up holding the escapes attempted inside the section.
    """
    install()
    start = len(escapes())
    _local.guards = getattr(_local, "guards", 0) + 1
    attempted: list[dict] = []
    try:
        yield attempted
    finally:
        _local.guards -= 1
        attempted.extend(escapes()[start:])


def subprocess_env(log_path: Path, **extra: str) -> dict:
    """An environment for a subprocess that installs the hook at start-up and logs escapes to log_path."""
    env = dict(os.environ, **extra)
    env[LOG_ENV] = str(log_path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SITE_DIR), str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def read_log(log_path: Path) -> list[dict]:
    if not log_path.exists():
        return []
    return [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]


_logs: list[Path] = []


def register_log(log_path: Path) -> Path:
    """Remember a subprocess's escape log, so the session summary includes it."""
    _logs.append(Path(log_path))
    return Path(log_path)


def session_escapes() -> list[dict]:
    """Escapes of this process and every registered subprocess."""
    found = escapes()
    for path in _logs:
        found += [dict(e, process=path.stem) for e in read_log(path)]
    return found
