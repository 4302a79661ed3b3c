"""The aw-server REST API, so ActivityWatch's watchers (aw-watcher-window, aw-watcher-afk, aw-watcher-web) and
anything built on aw-client record for Selftime unchanged.

`selftime agent run --aw-port 5600` calls `start(queue, port)`. It serves on 127.0.0.1 only, answering the routes
aw-client 0.5.15 calls as aw-server 0.12 does; events are stored by aw_store and a converter thread hands their final
time to the agent's durable queue every few seconds. docs/activitywatch.md describes the rules."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from selftime.agent.aw_store import AwStore, NoSuchBucket, wall_ms
from selftime.agent.queue import LocalQueue
from selftime.domain.activitywatch import AwEvent, EventError, parse_event, parse_timestamp

log = logging.getLogger("selftime.agent.aw")

VERSION = "v0.12.0 (selftime)"  # the aw-server API version answered
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
# Browser extensions (aw-watcher-web) may call from their own origin, as aw-server allows; web pages may not.
_EXTENSION_ORIGIN = re.compile(r"^(moz-extension|chrome-extension|safari-web-extension)://[^/]*$")


def _hostname(hostport: str) -> str:
    """ "127.0.0.1:5600" → "127.0.0.1", "[::1]:5600" → "[::1]"."""
    if hostport.startswith("[") and "]" in hostport:
        return hostport[: hostport.index("]") + 1]
    return hostport.split(":")[0]


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"message": message, "type": kind}, status_code=status)


class _LoopbackOnly:
    """Refuses what a web page in a browser could send to a port on this machine: another Host than the loopback
    (DNS rebinding), or an Origin that is neither this server nor a browser extension."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            local_origin = origin is not None and _hostname(origin.split("://", 1)[-1]) in _LOOPBACK_HOSTS
            if _hostname(headers.get("host", "")) not in _LOOPBACK_HOSTS or (
                origin and not (local_origin or _EXTENSION_ORIGIN.match(origin))
            ):
                await _error(403, "Forbidden", "only local programs and browser extensions may call this server")(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise EventError("the body must be JSON") from None


Handler = Callable[[Request], Awaitable[Response]]


def create_app(store: AwStore) -> Starlette:
    def guarded(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except NoSuchBucket as exc:
                return _error(404, "NoSuchBucket", str(exc))
            except EventError as exc:
                return _error(400, "BadRequest", str(exc))

        return endpoint

    def blocking(fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        # SQLite with synchronous=FULL waits for the disk: off the event loop.
        return run_in_threadpool(fn, *args)

    def bucket_id(request: Request) -> str:
        return str(request.path_params["bucket_id"])

    def time_param(request: Request, name: str) -> int | None:
        value = request.query_params.get(name)
        return None if value is None else parse_timestamp(value)

    async def info(request: Request) -> Response:
        device_id = await blocking(store.device_id)
        return JSONResponse(
            {"hostname": socket.gethostname(), "version": VERSION, "testing": False, "device_id": device_id}
        )

    async def buckets(request: Request) -> Response:
        return JSONResponse(await blocking(store.buckets))

    async def bucket(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(await blocking(store.bucket, bucket_id(request)))
        if request.method == "DELETE":
            if request.query_params.get("force") != "1":
                message = "Deleting buckets is only permitted if aw-server is running in testing mode or if ?force=1"
                return _error(401, "DeleteBucketUnauthorized", message)
            await blocking(store.delete_bucket, bucket_id(request))
            return JSONResponse({})
        body = await _json(request)
        fields = ("type", "client", "hostname")
        if not isinstance(body, dict) or not all(isinstance(body.get(f), str) for f in fields):
            raise EventError("a bucket needs type, client and hostname (strings)")
        made = await blocking(store.create_bucket, bucket_id(request), body["type"], body["client"], body["hostname"])
        return JSONResponse({}) if made else Response(status_code=304)

    async def events(request: Request) -> Response:
        if request.method == "GET":
            try:
                limit = int(request.query_params.get("limit") or "-1")
            except ValueError:
                raise EventError("limit must be a whole number") from None
            start, end = time_param(request, "start"), time_param(request, "end")
            return JSONResponse(await blocking(store.events, bucket_id(request), limit, start, end))
        body = await _json(request)
        items = body if isinstance(body, list) else [body] if isinstance(body, dict) else None
        if items is None:
            raise EventError("Invalid POST data")
        parsed: list[AwEvent] = [parse_event(item) for item in items]
        return JSONResponse(await blocking(store.insert, bucket_id(request), parsed))

    async def count(request: Request) -> Response:
        start, end = time_param(request, "start"), time_param(request, "end")
        return JSONResponse(await blocking(store.count, bucket_id(request), start, end))

    async def event(request: Request) -> Response:
        event_id = int(request.path_params["event_id"])
        if request.method == "DELETE":
            return JSONResponse({"success": await blocking(store.delete_event, bucket_id(request), event_id)})
        found = await blocking(store.event, bucket_id(request), event_id)
        return JSONResponse(found, status_code=200 if found is not None else 404)

    async def heartbeat(request: Request) -> Response:
        if "pulsetime" not in request.query_params:
            return _error(400, "MissingParameter", "Missing required parameter pulsetime")
        try:
            pulsetime = float(request.query_params["pulsetime"])
        except ValueError:
            raise EventError("pulsetime must be a number of seconds") from None
        beat = parse_event(await _json(request))
        return JSONResponse(await blocking(store.heartbeat, bucket_id(request), beat, pulsetime))

    async def export(request: Request) -> Response:
        chosen = request.path_params.get("bucket_id")
        return JSONResponse(await blocking(store.export, chosen))

    prefix = "/api/0/buckets/{bucket_id}"
    routes = [
        Route("/api/0/info", guarded(info), methods=["GET"]),
        Route("/api/0/buckets/", guarded(buckets), methods=["GET"]),
        Route(prefix, guarded(bucket), methods=["GET", "POST", "DELETE"]),
        Route(prefix + "/events", guarded(events), methods=["GET", "POST"]),
        Route(prefix + "/events/count", guarded(count), methods=["GET"]),
        Route(prefix + "/events/{event_id:int}", guarded(event), methods=["GET", "DELETE"]),
        Route(prefix + "/heartbeat", guarded(heartbeat), methods=["POST"]),
        Route(prefix + "/export", guarded(export), methods=["GET"]),
        Route("/api/0/export", guarded(export), methods=["GET"]),
    ]
    middleware = [
        Middleware(_LoopbackOnly),
        Middleware(
            CORSMiddleware, allow_origin_regex=_EXTENSION_ORIGIN.pattern, allow_methods=["*"], allow_headers=["*"]
        ),
    ]
    return Starlette(routes=routes, middleware=middleware)


@dataclass
class AwServer:
    """The running endpoints (the handle `start` returns): `port`, `convert_now()`, `stop()`."""

    store: AwStore
    queue: LocalQueue
    port: int
    _server: uvicorn.Server
    _thread: threading.Thread
    _socket: socket.socket
    _stopping: threading.Event = field(default_factory=threading.Event)
    _converter: threading.Thread | None = None

    def convert_now(self) -> int:
        """One conversion pass: final time not yet queued goes to the queue. Returns the spans queued."""
        return self.store.convert(self.queue)

    def _convert_loop(self, interval_s: float) -> None:
        while not self._stopping.wait(interval_s):
            try:
                self.convert_now()
            except Exception:  # a bad pass must not end the agent's ActivityWatch side; the next one retries
                log.exception("converting ActivityWatch events failed")

    def stop(self) -> None:
        """Stop serving, queue what is final by now, close the store. The rest is converted after the next start
        (the watchers keep their heartbeats meanwhile and re-send them)."""
        self._stopping.set()
        if self._converter is not None:
            self._converter.join()
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()
        try:
            self.convert_now()
        finally:
            self.store.close()


def start(
    queue: LocalQueue,
    port: int,
    *,
    host: str = "127.0.0.1",
    clock_ms: Callable[[], int] | None = None,
    convert_interval_s: float = 10.0,
) -> AwServer:
    """Serve the aw-server API on host:port (port 0: any free port, see `.port`) in background threads.

    Raises OSError when the port is taken (another aw-server?). Events are kept in the queue's SQLite file."""
    store = AwStore(queue.path, clock_ms or wall_ms)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        store.close()
        raise
    config = uvicorn.Config(
        create_app(store), lifespan="off", ws="none", log_config=None, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="aw-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    handle = AwServer(store, queue, sock.getsockname()[1], server, thread, sock)
    if not server.started:
        handle.stop()
        raise RuntimeError("the ActivityWatch endpoints did not start (see the log)")
    handle._converter = threading.Thread(
        target=handle._convert_loop, args=(convert_interval_s,), name="aw-convert", daemon=True
    )
    handle._converter.start()
    return handle
