#!/usr/bin/env python3
"""acme-hub: a team's own edge hub, on its own JSON wire, in Python 3.11 with
the standard library only (asyncio, a hand-rolled RFC 6455 WebSocket server
and just enough HTTP/1.1). Nothing here comes from edge-chaos: the harness
knows this wire only from acme.protocol.ts beside it.

It listens on $HOST:$PORT (default 127.0.0.1:8080), the way --hub-cmd starts
a hub, with a listen backlog of $BACKLOG (default 100, asyncio's; a burst of
connects larger than that overflows it and waits on TCP's SYN retransmits).
The wire:

  GET  /agents/{agent}/socket          WebSocket upgrade; header x-acme-key must
                                       equal $ACME_KEY when it is set (else 401)
       hub   -> {"type":"welcome","session":S}
       agent -> {"type":"hello","agent":A,"session":S}  within 5 s, else close
                                       4001 "no hello"; jobs flow only after it
       hub   -> {"type":"ping","seq":N}  every $PING_INTERVAL_MS (default 10000)
       agent -> {"type":"pong","seq":N}
       hub   -> {"type":"job","job":{"id","kind","args"}}
       agent -> {"type":"done","job_id":ID}   removes the job from pending
       Pending jobs are sent again after every hello. A newer connection of
       the same agent closes the older with 4000 "superseded".
  GET  /agents/{agent}/jobs            200 {"jobs":[job...],"more":false}
  POST /agents/{agent}/jobs/{id}/done  204
  POST /api/jobs {"agent","kind","args"}   201 {"job_id":ID}
  GET  /health                         200 (no key needed)
  Every other route needs the key too; unknown paths 404.

SIGTERM (or SIGINT): close every socket 1001 "going away", then exit 0.

Options:
  --state FILE            keep pending jobs in FILE (JSON), so a redeploy keeps them
  --misbehave NAME[:ARG]  a known defect, to prove the judge (repeatable):
    double-register       the connection handler is registered twice (the
                          incident): the second registration finds the agent
                          "already connected" and closes the connection it
                          just opened with 4000 "superseded": a loop
    misroute              deliver each job to another agent than its own (the
                          next connected agent id by sort order, wrapping,
                          else the next agent id seen)
    no-heartbeat-at:MS    from MS after listening, send nothing on any socket
                          (no ping, job, welcome or close) while every socket
                          stays open and HTTP still answers: a half-dead hub
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import struct
import sys
import time
from urllib.parse import unquote, urlsplit

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
AGENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
HELLO_TIMEOUT_S = 5.0
# How long a closing handshake may wait for the peer's close frame before the TCP connection goes.
CLOSE_TIMEOUT_S = 2.0
MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 1 << 20
MAX_MESSAGE_BYTES = 1 << 20

SOCKET_PATH = re.compile(r"^/agents/([^/]+)/socket$")
JOBS_PATH = re.compile(r"^/agents/([^/]+)/jobs$")
DONE_PATH = re.compile(r"^/agents/([^/]+)/jobs/([^/]+)/done$")

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

MISBEHAVIOURS = {"double-register": False, "misroute": False, "no-heartbeat-at": True}


def log(message):
    print(f"acme-hub {os.getpid()}: {message}", file=sys.stderr, flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="hub.py", description="acme edge hub (see the module docstring)")
    parser.add_argument("--state", help="keep pending jobs in this JSON file")
    parser.add_argument("--misbehave", action="append", default=[], metavar="NAME[:ARG]")
    args = parser.parse_args(argv)
    misbehave = {}
    for spec in args.misbehave:
        name, _, arg = spec.partition(":")
        takes_ms = MISBEHAVIOURS.get(name)
        ok = takes_ms is not None and ((takes_ms and arg.isdigit()) or (not takes_ms and arg == ""))
        if not ok:
            known = ", ".join(f"{n}:MS" if t else n for n, t in MISBEHAVIOURS.items())
            parser.error(f"bad --misbehave {spec!r}; known: {known}")
        misbehave[name] = int(arg) if takes_ms else 0
    args.misbehave = misbehave
    return args


class ProtocolError(Exception):
    """The peer broke RFC 6455: the connection is closed with `code`."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class WebSocket:
    """The server side of one RFC 6455 connection: unmasked frames out, masked frames in."""

    def __init__(self, reader, writer, muted):
        self.reader = reader
        self.writer = writer
        # True while the hub sends nothing (no-heartbeat-at): every write is dropped.
        self.muted = muted
        self.close_sent = False
        self.closed = asyncio.get_running_loop().create_future()
        self._close_timer = None

    def _write_frame(self, opcode, payload):
        if self.muted() or self.writer.is_closing():
            return
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        self.writer.write(header + payload)

    def send_text(self, text):
        if not self.close_sent:
            self._write_frame(OP_TEXT, text.encode("utf-8"))

    def send_json(self, value):
        self.send_text(json.dumps(value, separators=(",", ":")))

    def close(self, code, reason):
        """Starts the closing handshake; the TCP connection goes when the peer answers, or after CLOSE_TIMEOUT_S."""
        if self.close_sent or self.muted():
            return
        self.close_sent = True
        self._write_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode("utf-8")[:123])
        self._close_timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT_S, self.abort)

    def abort(self):
        if self._close_timer:
            self._close_timer.cancel()
        self.writer.close()

    async def _read_frame(self):
        b1, b2 = await self.reader.readexactly(2)
        fin, rsv, opcode = b1 & 0x80, b1 & 0x70, b1 & 0x0F
        masked, n = b2 & 0x80, b2 & 0x7F
        if rsv:
            raise ProtocolError(1002, "reserved bits set")
        if not masked:
            raise ProtocolError(1002, "client frames must be masked")
        if opcode >= 0x8 and (not fin or n > 125):
            raise ProtocolError(1002, "bad control frame")
        if n == 126:
            (n,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
        if n > MAX_MESSAGE_BYTES:
            raise ProtocolError(1009, "frame too big")
        mask = await self.reader.readexactly(4)
        data = await self.reader.readexactly(n)
        if n:
            key = (mask * (n // 4 + 1))[:n]
            data = (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
        return bool(fin), opcode, data

    async def messages(self):
        """Yields each text message; answers pings and the peer's close; returns at the close or EOF."""
        parts, kind = [], None
        try:
            while True:
                fin, opcode, data = await self._read_frame()
                if opcode == OP_PING:
                    self._write_frame(OP_PONG, data)
                elif opcode == OP_PONG:
                    pass
                elif opcode == OP_CLOSE:
                    code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
                    if not self.close_sent:
                        self.close_sent = True
                        self._write_frame(OP_CLOSE, struct.pack("!H", 1000 if code == 1005 else code))
                    self._finish(code)
                    return
                elif opcode in (OP_TEXT, OP_BINARY) and kind is None:
                    kind, parts = opcode, [data]
                elif opcode == OP_CONT and kind is not None:
                    parts.append(data)
                else:
                    raise ProtocolError(1002, "unexpected frame")
                if opcode in (OP_TEXT, OP_BINARY, OP_CONT) and fin:
                    message, was = b"".join(parts), kind
                    parts, kind = [], None
                    if len(message) > MAX_MESSAGE_BYTES:
                        raise ProtocolError(1009, "message too big")
                    if was == OP_TEXT:
                        try:
                            yield message.decode("utf-8")
                        except UnicodeDecodeError:
                            raise ProtocolError(1007, "text is not UTF-8")
        except ProtocolError as error:
            self.close(error.code, error.reason)
            self._finish(error.code)
        except (asyncio.IncompleteReadError, ConnectionError):
            self._finish(1006)

    def _finish(self, code):
        if self._close_timer:
            self._close_timer.cancel()
        self.writer.close()
        if not self.closed.done():
            self.closed.set_result(code)


class Connection:
    """One agent's WebSocket session."""

    def __init__(self, agent, ws):
        self.agent = agent
        self.ws = ws
        self.session = secrets.token_hex(12)
        self.said_hello = False
        self.ping_seq = 0


class Hub:
    def __init__(self, options):
        self.key = os.environ.get("ACME_KEY") or None
        self.ping_interval_s = int(os.environ.get("PING_INTERVAL_MS") or 10_000) / 1000
        self.state_file = options.state
        self.misbehave = options.misbehave
        self.pending = self._load()  # agent -> [job, ...], oldest first
        self.registry = {}  # agent -> the Connection that holds it
        self.connections = set()  # every open WebSocket session
        self.seen = set()  # every agent id seen, for misroute's fallback
        self.listening_at = float("inf")
        # The route table: one connection handler, or the incident's two.
        self.on_hello = [self.register, self.register] if "double-register" in self.misbehave else [self.register]

    # --- state ------------------------------------------------------------

    def _load(self):
        if self.state_file and os.path.exists(self.state_file):
            with open(self.state_file, encoding="utf-8") as f:
                return json.load(f)
        return {}

    def save(self):
        if not self.state_file:
            return
        os.makedirs(os.path.dirname(os.path.abspath(self.state_file)), exist_ok=True)
        tmp = f"{self.state_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.pending, f)
        os.replace(tmp, self.state_file)

    def muted(self):
        at_ms = self.misbehave.get("no-heartbeat-at")
        return at_ms is not None and (time.monotonic() - self.listening_at) * 1000 >= at_ms

    # --- jobs -------------------------------------------------------------

    def issue(self, agent, kind, args):
        job = {"id": secrets.token_hex(12), "kind": kind, "args": args}
        target = self.misroute_target(agent) if "misroute" in self.misbehave else agent
        self.pending.setdefault(target, []).append(job)
        self.save()
        conn = self.registry.get(target)
        if conn and conn.said_hello:
            conn.ws.send_json({"type": "job", "job": job})
        return job["id"]

    def done(self, agent, job_id):
        jobs = self.pending.get(agent, [])
        left = [j for j in jobs if j["id"] != job_id]
        if len(left) == len(jobs):
            return
        if left:
            self.pending[agent] = left
        else:
            del self.pending[agent]
        self.save()

    def misroute_target(self, agent):
        for pool in (self.registry.keys(), self.seen):
            others = sorted(a for a in pool if a != agent)
            if others:
                return next((a for a in others if a > agent), others[0])
        return agent

    # --- sessions ---------------------------------------------------------

    def register(self, conn):
        """The connection manager's connect: a newer connection of an agent replaces the older."""
        old = self.registry.get(conn.agent)
        if old is not None:
            # As the incident's manager did, it trusts it is called once per connection: no `old is not conn`.
            old.ws.close(4000, "superseded")
        self.registry[conn.agent] = conn

    async def session(self, conn):
        ws = conn.ws
        self.connections.add(conn)
        ws.send_json({"type": "welcome", "session": conn.session})
        loop = asyncio.get_running_loop()
        no_hello = loop.call_later(HELLO_TIMEOUT_S, lambda: conn.said_hello or ws.close(4001, "no hello"))
        try:
            async for text in ws.messages():
                try:
                    frame = json.loads(text)
                except ValueError:
                    frame = None
                kind = frame.get("type") if isinstance(frame, dict) else None
                if kind == "hello" and not conn.said_hello:
                    if frame.get("agent") != conn.agent or frame.get("session") != conn.session:
                        ws.close(4002, "bad hello")
                        continue
                    conn.said_hello = True
                    no_hello.cancel()
                    for handler in self.on_hello:
                        handler(conn)
                    for job in self.pending.get(conn.agent, []):
                        ws.send_json({"type": "job", "job": job})
                elif kind == "done" and conn.said_hello and isinstance(frame.get("job_id"), str):
                    self.done(conn.agent, frame["job_id"])
                elif kind == "pong":
                    pass
                else:
                    log(f"{conn.agent}: ignored frame {text[:120]!r}")
        finally:
            no_hello.cancel()
            self.connections.discard(conn)
            if self.registry.get(conn.agent) is conn:
                del self.registry[conn.agent]

    async def pinger(self):
        while True:
            await asyncio.sleep(self.ping_interval_s)
            for conn in list(self.connections):
                if conn.said_hello:
                    conn.ping_seq += 1
                    conn.ws.send_json({"type": "ping", "seq": conn.ping_seq})

    # --- HTTP -------------------------------------------------------------

    async def handle(self, reader, writer):
        try:
            request = await read_request(reader)
            if request is None:
                return
            await self.route(request, reader, writer)
        except HttpError as error:
            respond(writer, error.status, {"error": error.message})
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # the hub is exiting: asyncio.run cancels what shutdown() left
        finally:
            if not writer.is_closing():
                writer.close()

    def authorised(self, headers):
        return self.key is None or hmac.compare_digest(headers.get("x-acme-key", "").encode(), self.key.encode())

    async def route(self, request, reader, writer):
        method, path, headers, body = request
        if path == "/health":
            return respond(writer, 200, {"ok": True}) if method == "GET" else respond(writer, 405, {"error": "GET only"})
        known = SOCKET_PATH.match(path) or JOBS_PATH.match(path) or DONE_PATH.match(path) or path == "/api/jobs"
        if not known:
            return respond(writer, 404, {"error": f"no route {path}"})
        if not self.authorised(headers):
            return respond(writer, 401, {"error": "x-acme-key missing or wrong"})
        if m := SOCKET_PATH.match(path):
            agent = agent_id(m.group(1))
            if method != "GET":
                raise HttpError(405, "GET only")
            return await self.upgrade(agent, headers, reader, writer)
        if m := JOBS_PATH.match(path):
            agent = agent_id(m.group(1))
            if method != "GET":
                raise HttpError(405, "GET only")
            self.seen.add(agent)
            return respond(writer, 200, {"jobs": self.pending.get(agent, []), "more": False})
        if m := DONE_PATH.match(path):
            agent = agent_id(m.group(1))
            if method != "POST":
                raise HttpError(405, "POST only")
            # Idempotent: a job acked twice (over the socket and a poll) is done all the same.
            self.done(agent, unquote(m.group(2)))
            return respond(writer, 204, None)
        if method != "POST":
            raise HttpError(405, "POST only")
        try:
            order = json.loads(body or b"null")
        except ValueError:
            raise HttpError(400, "body is not JSON")
        if not isinstance(order, dict) or not isinstance(order.get("agent"), str) or not isinstance(order.get("kind"), str):
            raise HttpError(400, 'want {"agent": "...", "kind": "...", "args": ...}')
        job_id = self.issue(agent_id(order["agent"], quoted=False), order["kind"], order.get("args", {}))
        return respond(writer, 201, {"job_id": job_id})

    async def upgrade(self, agent, headers, reader, writer):
        key = headers.get("sec-websocket-key", "")
        if headers.get("upgrade", "").lower() != "websocket" or "upgrade" not in headers.get("connection", "").lower():
            raise HttpError(426, "this path is a WebSocket")
        if headers.get("sec-websocket-version") != "13":
            raise HttpError(400, "WebSocket version 13 only")
        try:
            if len(base64.b64decode(key, validate=True)) != 16:
                raise ValueError
        except ValueError:
            raise HttpError(400, "bad sec-websocket-key")
        self.seen.add(agent)
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        writer.write(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        ws = WebSocket(reader, writer, self.muted)
        await self.session(Connection(agent, ws))
        await ws.closed

    async def shutdown(self, server):
        server.close()
        self.save()
        conns = list(self.connections)
        # A half-dead hub sends no close frames on its way out; a sound one says goodbye and waits a moment for the answers.
        if conns and not self.muted():
            for conn in conns:
                conn.ws.close(1001, "going away")
            await asyncio.wait([conn.ws.closed for conn in conns], timeout=1.0)
        for conn in conns:
            conn.ws.abort()


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def agent_id(raw, quoted=True):
    agent = unquote(raw) if quoted else raw
    if not AGENT_ID.match(agent):
        raise HttpError(400, f"bad agent id {agent[:130]!r}")
    return agent


async def read_request(reader):
    """One request: (method, path, lower-cased headers, body); None when the peer left first."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise HttpError(431, "headers too large")
    if len(head) > MAX_HEADER_BYTES:
        raise HttpError(431, "headers too large")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, "bad request line")
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise HttpError(400, "bad header line")
        name = name.strip().lower()
        headers[name] = f"{headers[name]}, {value.strip()}" if name in headers else value.strip()
    if "transfer-encoding" in headers:
        raise HttpError(411, "send a Content-Length")
    length = int(headers.get("content-length", "0") or 0)
    if length > MAX_BODY_BYTES:
        raise HttpError(413, "body too large")
    body = await reader.readexactly(length) if length else b""
    return parts[0], urlsplit(parts[1]).path, headers, body


REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 411: "Length Required", 413: "Payload Too Large", 426: "Upgrade Required", 431: "Request Header Fields Too Large"}


def respond(writer, status, body):
    payload = b"" if body is None else json.dumps(body).encode()
    head = f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\nConnection: close\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
    writer.write(head.encode() + b"\r\n" + payload)


async def main(argv):
    options = parse_args(argv)
    hub = Hub(options)
    host = os.environ.get("HOST") or "127.0.0.1"
    port = int(os.environ.get("PORT") or 8080)
    backlog = int(os.environ.get("BACKLOG") or 100)
    server = await asyncio.start_server(hub.handle, host, port, limit=MAX_HEADER_BYTES, backlog=backlog)
    hub.listening_at = time.monotonic()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    pinger = asyncio.create_task(hub.pinger())
    if hub.misbehave:
        log(f"misbehaving: {', '.join(f'{n}:{a}' if MISBEHAVIOURS[n] else n for n, a in hub.misbehave.items())}")
    print(f"acme hub {os.getpid()} on http://{host}:{port}", flush=True)
    await stop.wait()
    pinger.cancel()
    await hub.shutdown(server)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
    # Sessions still draining (a peer that never finished the close) do not hold the exit up.
    os._exit(0)
