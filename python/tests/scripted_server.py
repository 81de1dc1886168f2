"""An OpenAI-compatible chat-completions server on 127.0.0.1 whose answers depend only on the
class named in the prompt, so a Python MLLM object can give the very same answers."""
import http.server
import json
import re
import threading


def describe_answer(cls):
    return f"A photo of a **{cls}-shaped rock**."


def similar_answer(cls):
    return "\n".join(f"{i}. {cls} {kind}" for i, kind in enumerate(["toy", "statue", "drawing", "cloud", "shadow"], 1))


def answer(prompt):
    if "I have gathered images of" in prompt:  # EOE envisioning outlier classes
        return "- Lava lamp\n- snow field\n"
    m = re.search(r'Do not mention "(.*)"\.', prompt)
    if m:
        return describe_answer(m.group(1))
    m = re.search(r'with "(.*)", and do not name', prompt)
    return similar_answer(m.group(1)) if m else ""


class ScriptedMllm:
    """The same answers as the server, as an in-process Python MLLM."""

    def __init__(self):
        self.describe_calls = 0

    def describe(self, image, exclude_class):
        assert isinstance(image, bytes) and image
        self.describe_calls += 1
        return describe_answer(exclude_class)

    def similar(self, class_name):
        return similar_answer(class_name)


def _text(message):
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._send({"object": "list", "data": [{"id": "scripted", "object": "model"}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = "".join(_text(m) for m in body["messages"] if m["role"] == "user")
        self.server.requests += 1
        self._send({"choices": [{"index": 0, "message": {"role": "assistant", "content": answer(prompt)}}]})


class ScriptedServer:
    def __enter__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.requests = 0
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def requests(self):
        return self.httpd.requests

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
