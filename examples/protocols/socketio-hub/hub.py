#!/usr/bin/env python3
"""A Socket.IO 4 hub in Python 3.11's standard library only: no pip, no
socket.io package. It hand-rolls what `--protocol socket.io` needs on the
websocket transport (and nothing else: no long-polling, no binary packets):

  RFC 6455         the upgrade handshake, masked client frames, fragments,
                   ping/pong/close control frames
  Engine.IO 4      open packet `0{...}`, the server's pings `2` answered by `3`
                   within pingTimeout (else the socket is closed), messages `4`
  Socket.IO 4      CONNECT `40` with the auth payload (agentId, token),
                   CONNECT ack `40{"sid":..}`, CONNECT_ERROR `44{"message":..}`,
                   EVENT `42`/`42<ackId>`, ACK `43<ackId>`, DISCONNECT `41`

and protocol v1's HTTP routes on the same port, as the zoo's Node hub
(harness/runtime/hubs/zoo/socketio-hub.mjs) has them in its healthy mode:

  GET  /healthz                          {"status": "ok"}
  GET  /edge/commands?edge_agent_id=ID   {"commands": [{"id", "name", "payload"}]}
  POST /edge/acks                        {"edge_agent_id", "ids": [...]}
  POST /admin/commands                   {"edge_agent_id", "name", "payload"} -> 201 {"id"}

A command is emitted to the agent's socket as the `command` event asking for
an ack; the ack (the callback's ACK packet, or an `ack` event with {"id"})
removes it from the agent's pending list; until then it comes again on every
poll and every new connection. One live socket per agent: a newer one
replaces the older, which gets DISCONNECT and a close.

Run it by hand (it listens on $HOST:$PORT, default 127.0.0.1:8080):

    PORT=8080 python3 examples/protocols/socketio-hub/hub.py --ping-interval 2000

or let edge-chaos start it, which sets PORT, HOST and PING_INTERVAL_MS:

    npm run scenario loop -- --hub-cmd "python3 examples/protocols/socketio-hub/hub.py" --protocol socket.io

Options: --ping-interval MS (default $PING_INTERVAL_MS, else 25000),
--ping-timeout MS (20000), --path P (/socket.io/), --namespace NS (/),
--token T (the CONNECT's auth.token and every HTTP call's
`authorization: Bearer T` must carry it; /healthz needs none), --state FILE
(keep pending commands in FILE, JSON, so a restart keeps them: without it a
redeploy loses what was queued, and edge-chaos's redeploy says so).
SIGTERM closes every socket with 1012 Service Restart and exits.
"""

import argparse
import asyncio
import base64
import hashlib
import json
import os
import re
import secrets
import signal
import struct
import sys
import uuid
from urllib.parse import parse_qs, urlsplit

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
MAX_FRAME_BYTES = 1_000_000  # Engine.IO's maxPayload default
CONNECT_TIMEOUT_S = 45  # Socket.IO closes a connection that joins no namespace in this long
RESERVED_EVENTS = {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

# Engine.IO packet types (text), Socket.IO packet types.
EIO_OPEN, EIO_CLOSE, EIO_PING, EIO_PONG, EIO_MESSAGE = "0", "1", "2", "3", "4"
SIO_CONNECT, SIO_DISCONNECT, SIO_EVENT, SIO_ACK, SIO_CONNECT_ERROR = 0, 1, 2, 3, 4


def parse_args():
    parser = argparse.ArgumentParser(description="A Socket.IO 4 hub (websocket transport) in the standard library")
    parser.add_argument("--ping-interval", type=int, default=int(os.environ.get("PING_INTERVAL_MS") or 25_000), help="Engine.IO pingInterval, ms")
    parser.add_argument("--ping-timeout", type=int, default=20_000, help="Engine.IO pingTimeout, ms")
    parser.add_argument("--path", default="/socket.io/", help="Engine.IO's path")
    parser.add_argument("--namespace", default="/", help="the namespace agents connect to")
    parser.add_argument("--token", default=None, help="required in auth.token and in every HTTP call's bearer")
    parser.add_argument("--state", default=None, help="keep pending commands in this JSON file, so a redeploy keeps them")
    args = parser.parse_args()
    if args.ping_interval <= 0 or args.ping_timeout <= 0:
        parser.error("--ping-interval and --ping-timeout must be positive")
    if not args.path.startswith("/") or not args.namespace.startswith("/"):
        parser.error("--path and --namespace must start with /")
    return args


ARGS = parse_args()


# --- Socket.IO packets (the text form socket.io-parser writes and reads) -----------------------


class BadPacket(Exception):
    pass


def encode_sio(kind, nsp="/", ack_id=None, data=None):
    text = str(kind)
    if nsp != "/":
        text += nsp + ","
    if ack_id is not None:
        text += str(ack_id)
    if data is not None:
        text += json.dumps(data, separators=(",", ":"))
    return text


def decode_sio(text):
    """(type, nsp, ack id or None, data or None) of one Socket.IO packet; BadPacket when it is not one."""
    if not text or text[0] not in "0123456":
        raise BadPacket(f"unknown packet type {text[:1]!r}")
    kind, i = int(text[0]), 1
    if kind in (5, 6):
        raise BadPacket("binary packets are not supported")
    nsp = "/"
    if text[i:i + 1] == "/":
        end = text.find(",", i)
        nsp, i = (text[i:], len(text)) if end == -1 else (text[i:end], end + 1)
    start = i
    while i < len(text) and text[i].isdigit():
        i += 1
    ack_id = int(text[start:i]) if i > start else None
    data = None
    if i < len(text):
        try:
            data = json.loads(text[i:])
        except ValueError as error:
            raise BadPacket(f"invalid payload: {error}") from None
    valid = {
        SIO_CONNECT: data is None or isinstance(data, dict),
        SIO_DISCONNECT: data is None,
        SIO_EVENT: isinstance(data, list) and len(data) > 0 and (isinstance(data[0], (int, float)) or (isinstance(data[0], str) and data[0] not in RESERVED_EVENTS)),
        SIO_ACK: isinstance(data, list),
        SIO_CONNECT_ERROR: isinstance(data, (str, dict)),
    }[kind]
    if not valid:
        raise BadPacket("invalid payload")
    return kind, nsp, ack_id, data


# --- the hub's state -----------------------------------------------------------------------------

# agent id -> pending commands, oldest first; in --state FILE too when given, so a restart keeps them
pending = {}
if ARGS.state and os.path.exists(ARGS.state):
    with open(ARGS.state, encoding="utf-8") as f:
        pending = json.load(f)


def save():
    if not ARGS.state:
        return
    os.makedirs(os.path.dirname(os.path.abspath(ARGS.state)), exist_ok=True)
    tmp = f"{ARGS.state}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(pending, f)
    os.replace(tmp, ARGS.state)

# agent id -> its live Session (one per agent: the newest wins)
sessions = {}


def ack(agent, ids):
    listed = pending.get(agent, [])
    left = [c for c in listed if c["id"] not in ids]
    if left:
        pending[agent] = left
    else:
        pending.pop(agent, None)
    if len(left) != len(listed):
        save()
    return len(listed) - len(left)


def enqueue(agent, command):
    pending.setdefault(agent, []).append(command)
    save()
    session = sessions.get(agent)
    if session:
        session.emit_command(command)


# --- RFC 6455 --------------------------------------------------------------------------------------


def ws_frame(opcode, payload=b""):
    """A server frame: final, unmasked."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return header + payload


class WebSocketClosed(Exception):
    pass


class WebSocket:
    """One server-side WebSocket over an asyncio stream pair."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.closing = False
        # Set when the read loop has ended: only it reads, so close() waits on this for the peer's close.
        self.ended = asyncio.Event()

    async def read_message(self):
        """The next text message (fragments joined); control frames are answered here."""
        parts, opcode_of_message = [], None
        while True:
            b0, b1 = await self.reader.readexactly(2)
            fin, opcode, masked, n = b0 & 0x80, b0 & 0x0F, b1 & 0x80, b1 & 0x7F
            if b0 & 0x70:
                return await self.fail(1002, "reserved bits set")
            if n == 126:
                (n,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
            if not masked:
                return await self.fail(1002, "client frames must be masked")
            if n > MAX_FRAME_BYTES:
                return await self.fail(1009, "message too big")
            mask = await self.reader.readexactly(4)
            data = bytearray(await self.reader.readexactly(n))
            for i in range(n):
                data[i] ^= mask[i & 3]
            if opcode >= 0x8:  # control frames: never fragmented, at most 125 bytes
                if not fin or n > 125:
                    return await self.fail(1002, "bad control frame")
                if opcode == 0x8:
                    await self.answer_close(bytes(data))
                    raise WebSocketClosed()
                if opcode == 0x9:
                    self.send_frame(0xA, bytes(data))
                continue  # a pong, or a ping answered
            if opcode == 0x0:
                if opcode_of_message is None:
                    return await self.fail(1002, "continuation without a message")
            elif opcode in (0x1, 0x2):
                if opcode_of_message is not None:
                    return await self.fail(1002, "new message inside a fragmented one")
                opcode_of_message = opcode
            else:
                return await self.fail(1002, f"unknown opcode {opcode}")
            parts.append(bytes(data))
            if sum(map(len, parts)) > MAX_FRAME_BYTES:
                return await self.fail(1009, "message too big")
            if fin:
                if opcode_of_message == 0x2:
                    parts, opcode_of_message = [], None  # binary: Engine.IO's binary messages are not read here
                    continue
                try:
                    return b"".join(parts).decode("utf-8")
                except UnicodeDecodeError:
                    return await self.fail(1007, "text frame is not UTF-8")

    def send_frame(self, opcode, payload):
        if self.writer.is_closing():
            return
        self.writer.write(ws_frame(opcode, payload))

    def send_text(self, text):
        if not self.closing:
            self.send_frame(0x1, text.encode("utf-8"))

    async def close(self, code=None, reason=""):
        """Sends a close frame (the opcode alone when code is None) and ends the connection once the
        peer's close came back to the read loop (which sets `ended`), or after 1 s."""
        if not self.closing:
            self.closing = True
            self.send_frame(0x8, b"" if code is None else struct.pack("!H", code) + reason.encode("utf-8")[:123])
        try:
            await asyncio.wait_for(self.ended.wait(), 1)
        except asyncio.TimeoutError:
            pass
        self.writer.close()

    async def answer_close(self, payload):
        if not self.closing:
            self.closing = True
            self.send_frame(0x8, payload[:2])
        self.writer.close()

    async def fail(self, code, reason):
        """A protocol error in the read loop: the close frame, and the connection ends (the loop cannot wait on itself)."""
        if not self.closing:
            self.closing = True
            self.send_frame(0x8, struct.pack("!H", code) + reason.encode("utf-8"))
        self.writer.close()
        raise WebSocketClosed()


# --- one Engine.IO socket with one Socket.IO namespace on it ---------------------------------------


class Session:
    def __init__(self, ws):
        self.ws = ws
        self.sid = base64.urlsafe_b64encode(secrets.token_bytes(15)).decode()
        self.agent = None  # set by the namespace CONNECT
        self.next_ack_id = 0
        self.acks = {}  # ack id -> command id
        self.pong = asyncio.Event()

    def send(self, socket_io_packet):
        self.ws.send_text(EIO_MESSAGE + socket_io_packet)

    async def run(self):
        self.ws.send_text(EIO_OPEN + json.dumps({
            "sid": self.sid, "upgrades": [], "pingInterval": ARGS.ping_interval, "pingTimeout": ARGS.ping_timeout, "maxPayload": MAX_FRAME_BYTES,
        }, separators=(",", ":")))
        heartbeat = asyncio.create_task(self.heartbeat())
        joined = asyncio.get_running_loop().call_later(CONNECT_TIMEOUT_S, lambda: self.agent is None and asyncio.ensure_future(self.ws.close()))
        try:
            while True:
                self.on_engine_packet(await self.ws.read_message())
        except (WebSocketClosed, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.ws.ended.set()
            joined.cancel()
            heartbeat.cancel()
            self.leave()
            if not self.ws.writer.is_closing():
                self.ws.writer.close()

    async def heartbeat(self):
        """Engine.IO 4: the server pings every pingInterval and closes a socket whose pong is pingTimeout late."""
        while True:
            await asyncio.sleep(ARGS.ping_interval / 1000)
            self.pong.clear()
            self.ws.send_text(EIO_PING)
            try:
                await asyncio.wait_for(self.pong.wait(), ARGS.ping_timeout / 1000)
            except asyncio.TimeoutError:
                await self.ws.close()  # engine.io ends the transport without a status code
                return

    def on_engine_packet(self, text):
        kind, data = text[:1], text[1:]
        if kind == EIO_PONG:
            self.pong.set()
        elif kind == EIO_MESSAGE:
            self.on_socket_io_packet(data)
        elif kind == EIO_CLOSE:
            raise WebSocketClosed()
        elif kind == EIO_PING:
            # In Engine.IO 4 only the server pings: engine.io closes the socket ("invalid heartbeat direction").
            raise WebSocketClosed()
        # upgrade (5) and noop (6) mean nothing on a websocket-only socket

    def on_socket_io_packet(self, text):
        try:
            kind, nsp, ack_id, data = decode_sio(text)
        except BadPacket:
            raise WebSocketClosed() from None  # Socket.IO closes a socket that sends what it cannot parse
        if kind == SIO_CONNECT:
            return self.on_connect(nsp, data)
        if nsp != ARGS.namespace or self.agent is None:
            return
        if kind == SIO_ACK and ack_id in self.acks:
            ack(self.agent, [self.acks.pop(ack_id)])
        elif kind == SIO_EVENT and data[0] == "ack" and len(data) > 1 and isinstance(data[1], dict) and isinstance(data[1].get("id"), str):
            ack(self.agent, [data[1]["id"]])
        elif kind == SIO_DISCONNECT:
            self.leave()

    def on_connect(self, nsp, auth):
        if nsp != ARGS.namespace:
            return self.send(encode_sio(SIO_CONNECT_ERROR, nsp, data={"message": "Invalid namespace"}))
        auth = auth or {}
        agent = auth.get("agentId")
        if not isinstance(agent, str) or not ID_RE.match(agent):
            return self.send(encode_sio(SIO_CONNECT_ERROR, nsp, data={"message": "auth.agentId missing or not a valid agent id"}))
        if ARGS.token is not None and auth.get("token") != ARGS.token:
            return self.send(encode_sio(SIO_CONNECT_ERROR, nsp, data={"message": "auth.token is not the hub token"}))
        self.agent = agent
        self.send(encode_sio(SIO_CONNECT, nsp, data={"sid": base64.urlsafe_b64encode(secrets.token_bytes(15)).decode()}))
        old = sessions.get(agent)
        sessions[agent] = self
        if old is not None and old is not self:
            old.disconnect()
        for command in list(pending.get(agent, [])):
            self.emit_command(command)

    def emit_command(self, command):
        self.next_ack_id += 1
        self.acks[self.next_ack_id] = command["id"]
        self.send(encode_sio(SIO_EVENT, ARGS.namespace, self.next_ack_id, ["command", command]))

    def disconnect(self):
        """`socket.disconnect(true)`: DISCONNECT to the namespace, then the connection closes."""
        self.send(encode_sio(SIO_DISCONNECT, ARGS.namespace))
        self.leave()
        asyncio.ensure_future(self.ws.close())

    def leave(self):
        if self.agent is not None and sessions.get(self.agent) is self:
            del sessions[self.agent]


# --- HTTP -----------------------------------------------------------------------------------------

REASONS = {101: "Switching Protocols", 200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 413: "Payload Too Large", 431: "Request Header Fields Too Large"}


def respond(writer, status, body, content_type="application/json"):
    data = (json.dumps(body) if content_type == "application/json" else body).encode("utf-8")
    head = f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\ncontent-type: {content_type}\r\ncontent-length: {len(data)}\r\nconnection: close\r\n\r\n"
    writer.write(head.encode("latin-1") + data)


async def read_body(reader, headers):
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return body
            body += chunk[:-2]
            if len(body) > MAX_FRAME_BYTES:
                raise ValueError("body too big")
    length = int(headers.get("content-length", "0") or 0)
    if length > MAX_FRAME_BYTES:
        raise ValueError("body too big")
    return await reader.readexactly(length)


def json_or_none(body):
    try:
        return json.loads(body or b"null")
    except ValueError:
        return None


async def handle(reader, writer):
    try:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            return respond(writer, 431, {"error": "headers too large"})
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = (lines[0].split(" ") + ["", "", ""])[:3]
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        url = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}

        if url.path == ARGS.path:
            return await upgrade(reader, writer, method, headers, query)
        if method == "GET" and url.path == "/healthz":
            return respond(writer, 200, {"status": "ok"})
        if ARGS.token is not None and headers.get("authorization") != f"Bearer {ARGS.token}":
            return respond(writer, 401, {"error": "bad token"})
        try:
            body = await read_body(reader, headers) if method == "POST" else b""
        except ValueError:
            return respond(writer, 413, {"error": "body too big"})
        if method == "GET" and url.path == "/edge/commands":
            agent = query.get("edge_agent_id", "")
            if not ID_RE.match(agent):
                return respond(writer, 400, {"error": "bad edge_agent_id"})
            return respond(writer, 200, {"commands": pending.get(agent, [])})
        if method == "POST" and url.path == "/edge/acks":
            message = json_or_none(body)
            if not isinstance(message, dict) or not ID_RE.match(str(message.get("edge_agent_id", ""))) or not isinstance(message.get("ids"), list):
                return respond(writer, 400, {"error": "bad acks"})
            return respond(writer, 200, {"acked": ack(message["edge_agent_id"], message["ids"])})
        if method == "POST" and url.path == "/admin/commands":
            message = json_or_none(body)
            if not isinstance(message, dict) or not ID_RE.match(str(message.get("edge_agent_id", ""))) or not isinstance(message.get("name"), str):
                return respond(writer, 400, {"error": "bad command"})
            command = {"id": str(uuid.uuid4()), "name": message["name"], "payload": message.get("payload")}
            enqueue(message["edge_agent_id"], command)
            return respond(writer, 201, {"id": command["id"]})
        return respond(writer, 404, "socketio hub: not here\n", "text/plain")
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        if not writer.is_closing():
            try:
                await writer.drain()
            except ConnectionError:
                pass
            writer.close()


async def upgrade(reader, writer, method, headers, query):
    # Engine.IO answers a request it cannot take with 400 and a JSON error (its codes: 0 unknown transport, 5 unsupported version).
    if query.get("EIO") != "4":
        return respond(writer, 400, {"code": 5, "message": "Unsupported protocol version"})
    if query.get("transport") != "websocket" or headers.get("upgrade", "").lower() != "websocket":
        return respond(writer, 400, {"code": 0, "message": "Transport unknown"})
    key = headers.get("sec-websocket-key")
    if method != "GET" or "upgrade" not in headers.get("connection", "").lower() or headers.get("sec-websocket-version") != "13" or not key:
        return respond(writer, 400, {"code": 3, "message": "Bad request"})
    accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode("latin-1")).digest()).decode()
    writer.write(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n".encode("latin-1"))
    session = Session(WebSocket(reader, writer))
    live.add(session)
    try:
        await session.run()
    finally:
        live.discard(session)


# Every open Engine.IO socket, joined to the namespace or not: SIGTERM closes them all.
live = set()


async def main():
    host = os.environ.get("HOST", "127.0.0.1")
    try:
        port = int(os.environ["PORT"])
    except (KeyError, ValueError):
        port = 8080
    server = await asyncio.start_server(handle, host, port, limit=64 * 1024)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"socketio hub (python) {os.getpid()} on http://{host}:{port}{ARGS.path}", flush=True)
    await stop.wait()
    server.close()
    await asyncio.gather(*(session.ws.close(1012, "Service Restart") for session in list(live)), return_exceptions=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
