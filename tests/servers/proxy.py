"""A small TCP proxy on loopback that can misbehave on purpose: cut every connection after the
server has sent some number of bytes (a network failure in the middle of a FETCH), or stop
forwarding while keeping the sockets open (a half-open connection: a stalled IDLE).

    proxy = FaultyProxy(("127.0.0.1", server.port))
    proxy.cut_after(200_000)      # the next connection dies once 200 KB reached the client
    proxy.go_silent()             # from now on nothing is forwarded in either direction
    proxy.close()
"""

from __future__ import annotations

import contextlib
import socket
import threading


class FaultyProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = int(self.listener.getsockname()[1])
        self.connections = 0
        self.cuts = 0
        self._cut_after: int | None = None
        self._silent = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_after(self, server_bytes: int | None) -> None:
        """Cut the next connection once the server has sent this many bytes through it."""
        with self._lock:
            self._cut_after = server_bytes

    def go_silent(self) -> None:
        self._silent.set()

    def speak(self) -> None:
        self._silent.clear()

    def drop_all(self) -> None:
        """Close every open connection now (the server went away)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        self.drop_all()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self.connections += 1
                limit, self._cut_after = self._cut_after, None
                self._sockets += [client, upstream]
            budget = [limit]
            threading.Thread(
                target=self._pump, args=(upstream, client, budget), daemon=True
            ).start()
            threading.Thread(
                target=self._pump, args=(client, upstream, [None]), daemon=True
            ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, budget: list[int | None]) -> None:
        try:
            while not self._closed.is_set():
                data = source.recv(65536)
                if not data:
                    break
                while self._silent.is_set() and not self._closed.is_set():
                    self._closed.wait(0.05)  # hold the data: the peer sees a silent connection
                remaining = budget[0]
                if remaining is not None:
                    if len(data) >= remaining:
                        sink.sendall(data[:remaining])
                        self.cuts += 1
                        break
                    budget[0] = remaining - len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
