"""The scripted OpenAI-compatible server (scripts/fake-mllm-server.py) for the test scripts under
tests/: started on a free port, killed at exit."""
import atexit
import socket
import subprocess
import sys
import time
from pathlib import Path


def start_fake_server(who):
    """Returns (process, base URL) once the server accepts connections; `who` names the caller in errors."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = Path(__file__).resolve().parents[2] / "scripts" / "fake-mllm-server.py"
    server = subprocess.Popen([sys.executable, script, str(port)], stderr=subprocess.DEVNULL)
    atexit.register(server.kill)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{who}: the fake MLLM server did not start")
