"""Replies of a REAL local model (recorded once by tests/llm_record.py), replayed over HTTP.

The replay server speaks the chat-completions protocol as llama.cpp's server does: one request at a
time (one slot), the reply streamed as server-sent events when asked, and generation abandoned when
the client closes the connection. It answers a question with the content the real model gave for
it; `chunk_delay` slows the stream to make a request outlive its budget.
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

REPLIES = Path(__file__).resolve().parent / "data" / "llm-replies.json"


def load_replies(path: Path = REPLIES) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def question_of(body: dict) -> str:
    user = body["messages"][-1]["content"]
    return json.loads(re.search(r"<question>\n(.*?)\n</question>", user, re.S).group(1))


class ReplayChatServer:
    def __init__(self, path: Path = REPLIES):
        self.recorded = load_replies(path)
        self.by_question = {r["question"]: r for r in self.recorded["replies"]}
        self.chunk_delay = 0.0
        self.log: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                record = server.by_question.get(question_of(body))
                entry = {"question": question_of(body), "stream": bool(body.get("stream")), "finished": False}
                server.log.append(entry)
                if record is None:
                    self._send(404, b'{"error": "no recorded reply for this question"}', "application/json")
                    return
                if body.get("stream"):
                    entry["finished"] = self._stream(record["content"], server.chunk_delay)
                else:
                    self._send(200, json.dumps({"choices": [{"message": {
                        "role": "assistant", "content": record["content"]}}]}).encode(), "application/json")
                    entry["finished"] = True

            def _send(self, status: int, payload: bytes, kind: str):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, content: str, delay: float) -> bool:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [content[i:i + 16] for i in range(0, len(content), 16)]
                try:
                    for piece in pieces:
                        event = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                        self.wfile.flush()
                        time.sleep(delay)
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return False          # the client went away: stop generating, as llama.cpp does
                return True

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)       # one request at a time, like one slot
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def model(self) -> str:
        return self.recorded["model"]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
