#!/usr/bin/python3
"""A scripted OpenAI-compatible chat-completions server for the demo: answers ENS requests (an
image) with a texture description, VSNL requests (a class name) with five look-alike names and
EOE's text-only requests (envision outlier classes) with a list of textures and scenes.
Used once by scripts/gen-demo-replay.sh to record data/demo/mllm-replay.jsonl; also handy to try
`ants detect --mllm-url` without a real model. Usage: fake-mllm-server.py PORT"""
import hashlib, json, re, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DESCRIPTIONS = ["static noise pattern", "diagonal stripes", "a checkerboard pattern", "colourful pixel noise",
                "striped fabric texture", "a tiled mosaic", "abstract geometric pattern", "random coloured dots"]
SIMILAR = {
    "red circle": ["red disc", "orange ring", "red dot", "pink oval", "red ball"],
    "blue square": ["blue tile", "navy rectangle", "blue box", "teal square", "blue block"],
    "green triangle": ["green pyramid", "green arrow", "lime wedge", "green cone", "green spike"],
    "yellow star": ["yellow sun", "gold starfish", "yellow flower", "orange star", "yellow asterisk"],
}

OUTLIERS = ["static noise", "striped fabric", "checkerboard", "pixel noise", "mosaic tiles", "wood grain", "marble",
            "gravel", "brick wall", "cloudy sky", "ocean waves", "sand dunes", "tree bark", "knitted wool", "rusty metal",
            "leaf litter", "cracked paint", "woven basket", "snow field", "honeycomb"]


def answer(body):
    text = " ".join(p.get("text", "") for m in body.get("messages", []) if isinstance(m.get("content"), list)
                    for p in m["content"] if p.get("type") == "text")
    text += " ".join(m["content"] for m in body.get("messages", []) if isinstance(m.get("content"), str))
    if "I have gathered images of" in text:  # EOE: ten new names per request of the conversation
        turn = text.count("Give me")
        return "\n".join(f"- {n}" for n in (OUTLIERS * 2)[turn * 10 % len(OUTLIERS):][:10])
    quoted = re.findall(r'"([^"]+)"', text)
    if "five" in text.lower() and quoted:
        names = SIMILAR.get(quoted[0], [quoted[0] + " lookalike", "toy " + quoted[0], quoted[0] + " drawing",
                                         "painted " + quoted[0], quoted[0] + " sticker"])
        return "\n".join(f"{i + 1}. {n}" for i, n in enumerate(names))
    images = [p["image_url"]["url"] for m in body.get("messages", []) if isinstance(m.get("content"), list)
              for p in m["content"] if p.get("type") == "image_url"]
    digest = hashlib.sha256((images[0] if images else text).encode()).digest()
    return DESCRIPTIONS[digest[0] % len(DESCRIPTIONS)]


class Handler(BaseHTTPRequestHandler):
    def _send(self, obj):
        data = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._send({"object": "list", "data": [{"id": "ants-demo", "object": "model"}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self._send({"choices": [{"index": 0, "message": {"role": "assistant", "content": answer(body)}}]})

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
