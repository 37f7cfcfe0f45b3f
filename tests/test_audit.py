"""The audit hook itself: the hostile-input and SPARQL tests rely on it to prove nothing escapes,
so it must see and refuse each kind of escape, in this process and in the subprocesses it is
installed in (the served processes)."""
from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request

import pytest

from tests import audit

pytestmark = pytest.mark.reliability

ESCAPES = {
    "connect": lambda: socket.create_connection(("192.0.2.1", 80), timeout=1),
    "resolve": lambda: socket.getaddrinfo("example.invalid", 80),
    "urllib": lambda: urllib.request.urlopen("http://192.0.2.1/", timeout=1),
    "file-url": lambda: urllib.request.urlopen("file:///etc/passwd", timeout=1),
    "open": lambda: open("/etc/passwd", "rb"),
}


@pytest.mark.parametrize("name", ESCAPES)
def test_a_guarded_escape_is_refused_and_recorded(name):
    with audit.guarded() as attempted:
        with pytest.raises(OSError):          # PermissionError from the hook (urllib wraps it in URLError)
            ESCAPES[name]()
    assert attempted and all(e["guarded"] for e in attempted), attempted
    assert attempted[0]["kind"] == ("file" if name in ("open", "file-url") else "network")


def test_loopback_and_project_files_are_not_escapes(tmp_path):
    with audit.guarded() as attempted:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            socket.create_connection(server.getsockname(), timeout=1).close()
        (audit.ROOT / "pyproject.toml").read_bytes()
        (tmp_path / "x").write_text("x")
    assert attempted == []


def test_the_hook_runs_in_subprocesses_started_with_its_environment(tmp_path):
    log = tmp_path / "audit.jsonl"                # not registered: these escapes are the test's own
    code = ("from tests import audit\n"
            "with audit.guarded():\n"
            "    try:\n        open('/etc/passwd', 'rb')\n    except PermissionError:\n        print('refused')\n")
    run = subprocess.run([sys.executable, "-c", code], env=audit.subprocess_env(log), cwd=audit.ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "refused", run.stderr
    assert [(e["kind"], e["target"], e["guarded"]) for e in audit.read_log(log)] == [
        ("file", "/etc/passwd", True)]
