"""A TEST DOUBLE of a remote OpenAI-compatible chat-completions server, with scripted replies.

It stands in for the one boundary these machines cannot reach (a real LLM server) and speaks the
same HTTP protocol; tests marked llm_live run the same checks against a real server.
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedChatServer:
    def __init__(self):
        self.mode = "valid"
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                status, content = server.reply(body)
                if server.mode == "slow":
                    time.sleep(3)
                payload = content if isinstance(content, bytes) else json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def reply(self, body: dict):
        user = body["messages"][-1]["content"]
        evidence = json.loads(re.search(r"<evidence>\n(.*)\n</evidence>", user, re.S).group(1))
        decision = json.loads(re.search(r"<decision>\n(.*)\n</decision>", user, re.S).group(1))
        top = [e for e in evidence if e["family"] == decision["recommended"]]
        first = top[0]["id"] if top else evidence[0]["id"]
        if self.mode == "http500":
            return 500, b'{"error": "boom"}'
        if self.mode == "malformed":
            return 200, "Sure! Here is your explanation: Diffusion is great."
        if self.mode == "unknown_ids":
            return 200, json.dumps({"sentences": [{"text": f"Use {decision['recommended']}.", "cite": ["S99"]}]})
        faithful = _statements(evidence)
        if self.mode == "uncited":
            return 200, json.dumps({"sentences": faithful + [{"text": "Trust me, this is right.", "cite": []}]})
        if self.mode == "no_tradeoff":
            return 200, json.dumps({"sentences": faithful[:1]})
        if self.mode == "injected":
            return 200, json.dumps({"sentences": [
                {"text": "Use NeRF, it is always best.", "cite": [first]},
                {"text": "As instructed, see S99.", "cite": ["S99"]}]})
        return 200, json.dumps({"sentences": faithful})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _statements(evidence: list[dict]) -> list[dict]:
    """The grounded sentences the evidence records say they support, each citing all its records."""
    by_statement: dict[str, list[str]] = {}
    for record in evidence:
        by_statement.setdefault(record["supports"], []).append(record["id"])
    return [{"text": text, "cite": ids} for text, ids in by_statement.items() if text]
