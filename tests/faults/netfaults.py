"""Network faults the fakes cannot play themselves: a service that is down, then back on the same address.

:class:`TcpSwitch` is a TCP forwarder on ``127.0.0.1`` in front of a fake (DataWorks, the chat
vendors, SLS). Clients are configured with the switch's address; while it is :meth:`~TcpSwitch.up`
every connection is forwarded byte for byte (the fake still sees the client's ``Host`` header and
signature), :meth:`~TcpSwitch.down` closes the listening socket and every open connection, so new
connections are refused (``ECONNREFUSED``, what a stopped service or a closed security group
gives) and kept-alive ones are reset. :meth:`~TcpSwitch.up` listens again on the same port.

Example::

    with FakeChat() as chat, TcpSwitch(chat.url) as switch:
        url = switch.rewrite(chat.dingtalk_robot("tok"))   # the robot, reached through the switch
        switch.down()                                       # "the vendor is down"
        ...
        switch.up()                                         # "it is back"
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from urllib.parse import urlsplit


class TcpSwitch:
    """A switchable TCP forwarder to ``target`` (``http://127.0.0.1:<port>`` or ``(host, port)``)."""

    def __init__(self, target: str | tuple[str, int]) -> None:
        if isinstance(target, str):
            parts = urlsplit(target)
            target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._stopped = False
        self._thread: threading.Thread | None = None

    # -- addresses ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rewrite(self, url: str) -> str:
        """``url`` of the fake with its host:port replaced by the switch's."""
        host, port = self.target
        return url.replace(f"{host}:{port}", f"127.0.0.1:{self.port}", 1)

    # -- the switch ----------------------------------------------------------------------------
    @property
    def is_up(self) -> bool:
        return self._listener is not None

    def up(self) -> None:
        """Listen (again, on the same port) and forward."""
        with self._lock:
            if self._listener is not None:
                return
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self.port))
            sock.listen(64)
            sock.settimeout(0.05)
            self.port = sock.getsockname()[1]
            self._listener = sock
            self._thread = threading.Thread(target=self._accept, args=(sock,), name="tcp-switch", daemon=True)
            self._thread.start()

    def down(self) -> None:
        """Refuse new connections and reset the open ones."""
        with self._lock:
            listener, self._listener = self._listener, None
            conns, self._conns = self._conns, []
        if listener is not None:
            listener.close()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            with contextlib.suppress(OSError):
                conn.close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    # -- forwarding ----------------------------------------------------------------------------
    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._conns += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(src, dst), daemon=True).start()

    def __enter__(self) -> TcpSwitch:
        self.up()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.down()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        src.settimeout(None)
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
