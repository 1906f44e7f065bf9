"""A loopback link emulator and fault injector: a TCP proxy for 127.0.0.1 with a bandwidth
cap, one-way latency (with jitter), periodic cuts and seeded faults per connection.

Used by bench/ (upload, dropped connections, load) and the tests (no `tc netem` or toxiproxy
in CI sandboxes). Model:

- each direction is one link shared by all connections: a chunk of n bytes occupies it for
  n / rate seconds, then arrives latency seconds later;
- `cut_every=N`: after every N bytes read from clients (counted over all connections,
  headers included) the proxy stops reading, lets the bytes already on the wire arrive, then
  resets the client's side (RST) and closes the server's side, as when a mobile link drops;
- `handshake=True` adds one round trip before a new connection's first byte arrives (TCP's
  three-way handshake, which a loopback connect() does not pay);
- faults (seeded by `seed`): a share of connections (`reset_share`) is reset at a random
  byte, half of them while the client sends (mid-request), half while the server answers
  (mid-response); `stall_share` of them stop forwarding at a random byte for
  `stall_seconds` and are then reset. The byte is drawn uniformly from the size of a
  recently completed connection in that direction, so it falls inside real requests.
  `jitter` adds a uniform ±jitter seconds to each chunk's latency (order is kept).
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

_READ = 8192


@dataclass
class Link:
    rate: float | None = None  # bytes per second per direction; None = unlimited
    latency: float = 0.0  # one-way seconds
    cut_every: int | None = None
    handshake: bool = False
    seed: int = 0
    reset_share: float = 0.0  # share of connections reset at a random byte
    stall_share: float = 0.0  # share of connections stalled at a random byte, then reset
    stall_seconds: float = 5.0
    jitter: float = 0.0  # ± seconds added to each chunk's latency


@dataclass
class Fault:
    upstream: bool  # True: while the client sends (mid-request); False: mid-response
    at: int  # byte offset in that direction of this connection
    stall: bool = False


@dataclass
class Stats:
    up_bytes: int = 0  # client → server, everything the clients put on the link
    down_bytes: int = 0
    connections: int = 0
    cuts: int = 0
    resets_mid_request: int = 0
    resets_mid_response: int = 0
    stalls: int = 0
    planned_faults: int = 0

    @property
    def faults(self) -> int:
        return self.resets_mid_request + self.resets_mid_response + self.stalls


class _Direction:
    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.free_at = 0.0

    async def occupy(self, n: int) -> float:
        """Wait while n bytes are serialised onto the link; return when they left it."""
        now = time.monotonic()
        if self.rate is None:
            return now
        start = max(now, self.free_at)
        self.free_at = start + n / self.rate
        await asyncio.sleep(self.free_at - now)
        return self.free_at


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class Proxy:
    def __init__(self, upstream_port: int, link: Link) -> None:
        self.upstream_port = upstream_port
        self.link = link
        self.stats = Stats()
        self.up = _Direction(link.rate)
        self.down = _Direction(link.rate)
        self.next_cut = link.cut_every
        self.rng = random.Random(link.seed)
        self.sizes: dict[bool, deque[int]] = {True: deque(maxlen=256), False: deque(maxlen=256)}
        self.writers: set[asyncio.StreamWriter] = set()
        self.handlers: set[asyncio.Task[None]] = set()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        direction: _Direction,
        upstream: bool,
        start_delay: float,
        cut: asyncio.Event,
        fault: Fault | None,
        moved: dict[bool, int],
    ) -> None:
        if fault is not None and fault.upstream != upstream:
            fault = None
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                if data == b"":
                    return
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        first = True
        try:
            while not cut.is_set():
                size = _READ
                if upstream and self.next_cut is not None:
                    size = min(size, self.next_cut - self.stats.up_bytes)
                if fault is not None:
                    size = min(size, fault.at - moved[upstream])
                data = await reader.read(size)
                if not data:
                    break
                moved[upstream] += len(data)
                if upstream:
                    self.stats.up_bytes += len(data)
                else:
                    self.stats.down_bytes += len(data)
                left = await direction.occupy(len(data))
                at = left + self._latency() + (start_delay if first else 0.0)
                first = False
                queue.put_nowait((at, data))
                if fault is not None and moved[upstream] >= fault.at:
                    queue.put_nowait((0.0, b""))
                    await sender
                    if fault.stall:
                        self.stats.stalls += 1
                        await asyncio.sleep(self.link.stall_seconds)
                    elif upstream:
                        self.stats.resets_mid_request += 1
                    else:
                        self.stats.resets_mid_response += 1
                    cut.set()
                    return
                if upstream and self.next_cut is not None and self.stats.up_bytes >= self.next_cut:
                    self.next_cut += self.link.cut_every or 0
                    self.stats.cuts += 1
                    queue.put_nowait((0.0, b""))
                    await sender  # what was on the wire arrives, then the link drops
                    cut.set()
                    return
            queue.put_nowait((0.0, b""))
            await sender
            if not cut.is_set() and writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            cut.set()
        finally:
            sender.cancel()

    def _latency(self) -> float:
        if not self.link.jitter:
            return self.link.latency
        return max(0.0, self.link.latency + self.rng.uniform(-self.link.jitter, self.link.jitter))

    def _plan(self) -> Fault | None:
        """Draw this connection's fault (or none) from the seeded generator."""
        draw = self.rng.random()
        if draw >= self.link.reset_share + self.link.stall_share:
            return None
        self.stats.planned_faults += 1
        upstream = self.rng.random() < 0.5
        seen = self.sizes[upstream]
        total = self.rng.choice(seen) if seen else 2048
        return Fault(
            upstream, self.rng.randint(1, max(1, total - 1)), draw >= self.link.reset_share
        )

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        self.writers.add(client_w)
        try:
            await self._connect(client_r, client_w)
        finally:
            self.writers.discard(client_w)
            self.handlers.discard(task)

    async def shutdown(self) -> None:
        """Reset every open connection so each handler ends by itself, then wait for them."""
        for writer in list(self.writers):
            _reset(writer)
        if self.handlers:
            await asyncio.wait(set(self.handlers), timeout=5)
        for task in list(self.handlers):
            task.cancel()

    async def _connect(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        self.stats.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            _reset(client_w)
            return
        self.writers.add(server_w)
        cut = asyncio.Event()
        fault = self._plan()
        moved = {True: 0, False: 0}
        rtt = 2 * self.link.latency if self.link.handshake else 0.0
        up = asyncio.create_task(
            self._pump(client_r, server_w, self.up, True, rtt, cut, fault, moved)
        )
        down = asyncio.create_task(
            self._pump(server_r, client_w, self.down, False, 0.0, cut, fault, moved)
        )
        cut_waiter = asyncio.create_task(cut.wait())
        both = asyncio.gather(up, down, return_exceptions=True)
        try:
            await asyncio.wait({cut_waiter, both}, return_when="FIRST_COMPLETED")
        finally:
            self.writers.discard(server_w)
            cut_waiter.cancel()
            if cut.is_set() or not both.done():
                up.cancel()
                down.cancel()
                # The client sees the link die (RST). The server gets a clean close after the
                # bytes already delivered: an RST would make its kernel drop unread data,
                # which a real dropped link does not do (the server just stops hearing).
                _reset(client_w)
                server_w.close()
            else:
                client_w.close()
                server_w.close()
            await asyncio.gather(both, cut_waiter, return_exceptions=True)
            if not cut.is_set():
                for upstream in (True, False):
                    if moved[upstream]:
                        self.sizes[upstream].append(moved[upstream])


@contextmanager
def run_proxy(upstream_port: int, link: Link) -> Iterator[tuple[int, Proxy]]:
    """Start the proxy on 127.0.0.1 in a background thread; yields (port, proxy)."""
    proxy = Proxy(upstream_port, link)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    ports: list[int] = []
    stop: list[asyncio.Event] = []

    async def main() -> None:
        stop.append(asyncio.Event())
        server = await asyncio.start_server(proxy._handle, "127.0.0.1", 0)
        ports.append(server.sockets[0].getsockname()[1])
        ready.set()
        await stop[0].wait()
        server.close()
        await proxy.shutdown()
        await server.wait_closed()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("proxy did not start")
    try:
        yield ports[0], proxy
    finally:
        loop.call_soon_threadsafe(stop[0].set)
        thread.join(10)
        loop.close()
