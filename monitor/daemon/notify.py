"""systemd's notification protocol, spoken directly (no libsystemd needed).

One datagram of newline-separated ``KEY=VALUE`` lines to the AF_UNIX socket named by
``$NOTIFY_SOCKET``; a leading ``@`` names a socket in the abstract namespace. Without the
variable (not started by systemd with ``Type=notify``) every call is a no-op.
"""

from __future__ import annotations

import os
import socket

from monitor.log import get_logger

logger = get_logger()


class Notifier:
    def __init__(self, address: str | None = None) -> None:
        self.address = address if address is not None else os.environ.get("NOTIFY_SOCKET")

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, **fields: str | int) -> bool:
        """``send(READY=1, STATUS="…")``. Never raises: the service must not die over it."""
        if not self.address:
            return False
        payload = "\n".join(f"{key}={value}" for key, value in fields.items()).encode()
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(target)
                sock.sendall(payload)
        except OSError as err:
            logger.warning("sd_notify_failed", error=str(err))
            return False
        return True

    def status(self, text: str) -> None:
        # STATUS is one line; keep it short.
        self.send(STATUS=" ".join(text.split())[:200])


def watchdog_interval() -> float | None:
    """Half the watchdog timeout, when systemd asked this process for keep-alives."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(0.5, int(usec) / 1e6 / 2)
    except ValueError:
        return None
