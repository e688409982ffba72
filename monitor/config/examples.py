"""The example configuration and the systemd unit that ship with relmon.

A built package carries them in ``monitor/examples/`` (copied there by setup.py's build step);
a checkout (an editable install, the tests) reads them from ``config/`` and ``deploy/``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

EXAMPLE_CONFIG = "relmon.example.toml"
SERVICE_UNIT = "relmon.service"
_IN_CHECKOUT = {EXAMPLE_CONFIG: "config", SERVICE_UNIT: "deploy"}


def shipped_text(name: str) -> str:
    """The text of a shipped file: ``relmon.example.toml`` or ``relmon.service``."""
    packaged = resources.files("monitor") / "examples" / name
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / _IN_CHECKOUT[name] / name
    return checkout.read_text(encoding="utf-8")
