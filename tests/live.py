"""A real HTTP server for tests that need true concurrency.

Starlette's TestClient runs one request at a time, so races never happen through it. `serve(app)`
runs the test `app` with uvicorn in a background thread on a free 127.0.0.1 port (a socket bound
before the server starts, so the port cannot be taken in between) and yields its base URL;
`fire(...)` sends many requests at once from a thread pool.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
import uvicorn

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def serve(app: Any, *, timeout: float = 20.0) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                            lifespan="on", timeout_keep_alive=30)
    server = uvicorn.Server(config)
    # Not in the main thread, uvicorn leaves signal handlers alone.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


def fire(fn: Callable[[T], R], items: Sequence[T], *, threads: int | None = None) -> list[R]:
    """Run `fn` over `items` from a thread pool; the first `threads` calls are held until all of
    those threads are ready and then released together, so the requests really overlap.
    Results come back in the order of `items`."""
    n = max(1, min(len(items), threads or len(items)))
    ready = threading.Semaphore(0)
    go = threading.Event()

    def run(item: T) -> R:
        ready.release()
        go.wait(timeout=30)
        return fn(item)

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(run, item) for item in items]
        for _ in range(n):
            ready.acquire(timeout=30)
        go.set()
        return [f.result() for f in futures]


def client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60.0)
