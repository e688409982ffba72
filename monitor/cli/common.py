"""What every command shares: loading configuration and store, ``--json``, ``--as-of``, errors."""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from monitor.cli.json_text import json_text
from monitor.clock import iso, parse_instant, utcnow
from monitor.core import durations
from monitor.errors import RelmonError

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from rich.console import Console

    from monitor.app.runtime import Runtime
    from monitor.config import Account, Client, Config


@dataclass
class App:
    """Lazily loaded state for one CLI invocation."""

    config_path: str | None = None
    log_level: str | None = None  # as given with --log-level
    _config: Config | None = None
    _runtime: Runtime | None = None
    now: datetime = field(default_factory=utcnow)  # read once per invocation

    @property
    def config(self) -> Config:
        if self._config is None:
            from monitor.config import load_config  # not for --help, --version or a usage error

            self._config = load_config(self.config_path)
        return self._config

    def runtime(self) -> Runtime:
        """Configuration, migrated store and text analyzer (imported late: the analyzer is slow)."""
        if self._runtime is None:
            from monitor.app.runtime import Runtime

            self._runtime = Runtime.open(self.config)
            begin_work()
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()


def begin_work() -> None:
    """Start-up is over (see :func:`monitor.cli.main`): what it made stays out of the cyclic
    collector's walks (it lives as long as the process), and the collector runs again for the
    command's own work. Every command that runs for long calls it; a second call does nothing."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


pass_app = click.make_pass_decorator(App)


def named_client(config: Config, name: str) -> Client:
    """The configured client ``name`` means: its exact name (any case), else the one name it
    begins, else the one name it is part of (``acme`` for "Acme Logistics"). Several candidates,
    or none, are an error that lists them. The one name it begins is taken even when others
    hold it too, and that is said (on stderr: the output stays data)."""
    found = config.client(name)
    if found is not None:
        return found
    wanted = name.strip().casefold()
    if wanted:
        names = [(c.name.casefold(), c) for c in config.clients]
        within = [c for folded, c in names if wanted in folded]
        for candidates in ([c for folded, c in names if folded.startswith(wanted)], within):
            if len(candidates) == 1:
                others = [c.name for c in within if c is not candidates[0]]
                if others:
                    click.echo(
                        f"{name!r}: {candidates[0].name}, the name it begins "
                        f"(also in {', '.join(others)})",
                        err=True,
                    )
                return candidates[0]
            if candidates:
                listed = ", ".join(c.name for c in candidates)
                raise click.ClickException(
                    f"{name!r} matches {len(candidates)} clients ({listed}); give more of the name"
                )
    known = ", ".join(c.name for c in config.clients) or "none configured"
    raise click.ClickException(f"no client named {name!r} (known: {known})")


def no_clients_hint(config: Config) -> str:
    """What to do when no client is configured, instead of an empty table."""
    where = str(config.path) if config.path is not None else "the configuration"
    return (
        f"No clients are configured yet. Add one to {where}, for example:\n\n"
        "  [[clients]]\n"
        '  name = "Acme Logistics"\n'
        '  domains = ["acme-logistics.example"]\n'
        f'  owner = "{_an_owner(config)}"\n\n'
        "`relmon clients suggest` lists the outside domains we exchange the most mail with,\n"
        "the likeliest clients; `relmon config check` checks the result."
    )


def _an_owner(config: Config) -> str:
    members = config.team.members
    return members[0].address if members else "you@your-firm.example"


def named_account(config: Config, name: str) -> Account:
    """The configured account of that name, or an error listing them."""
    found = config.account(name)
    if found is None:
        known = ", ".join(a.name for a in config.accounts) or "none configured"
        raise click.ClickException(f"no account named {name!r} (known: {known})")
    return found


def fail_cleanly(func: F) -> F:
    """Turn relmon's domain errors, and a database or disk failing under the command (locked,
    damaged, unreachable, full), into one clear line and exit status 1 at the CLI edge."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RelmonError as err:
            raise click.ClickException(str(err)) from err
        except _store_failures() as err:
            from monitor.cli.failures import describe

            explained = describe(err, _store_url())
            if explained is None:  # pragma: no cover - describe knows each of these kinds
                raise
            raise click.ClickException(explained) from err

    return wrapper  # type: ignore[return-value]


def _store_failures() -> tuple[type[BaseException], ...]:
    """The disk's and the database's failures. A command that never loaded SQLAlchemy (loading
    it takes a quarter of a second) cannot meet a database error, so it is not loaded for this."""
    if "sqlalchemy" not in sys.modules:
        return (OSError, MemoryError)
    import sqlalchemy as sa

    return (OSError, MemoryError, sa.exc.DBAPIError)


def _store_url() -> str | None:
    """The store of this invocation, if its configuration is loaded (never loaded here)."""
    context = click.get_current_context(silent=True)
    app = context.find_object(App) if context is not None else None
    if app is None or app._config is None:
        return None
    url: str = app._config.store.url
    return url


def _parse_as_of(ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from err


def parse_since(ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    """``--since DATE``: a bare date means the start of that day."""
    if value is None:
        return None
    try:
        return parse_instant(value, end_of_day=False)
    except ValueError as err:
        raise click.BadParameter(str(err)) from err


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print machine-readable JSON (schema in docs/json.md)."
)
as_of_option = click.option(
    "--as-of",
    "as_of",
    callback=_parse_as_of,
    metavar="DATETIME",
    help="Answer as the data stood at this instant (ISO date or date-time; a bare date means its end, UTC).",
)


def query_options(func: F) -> F:
    """``--json`` and ``--as-of``, which every query command takes."""
    return json_option(as_of_option(func))


def to_jsonable(value: Any) -> Any:
    """``value`` as plain JSON values (``relmon export`` writes these); :func:`emit_json` writes
    the same text without this copy."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return round(value.total_seconds())
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [to_jsonable(v) for v in items]
    return value


def emit_json(payload: dict[str, Any]) -> None:
    """Print ``payload`` as indented JSON: the text of ``json.dumps(to_jsonable(payload),
    ensure_ascii=False, indent=2)``, written in one walk (see :mod:`monitor.cli.json_text`)."""
    click.echo(json_text(payload))


def console() -> Console:
    """Rich output on stdout; wide when piped, so tables are not wrapped at 80 columns."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console(file=sys.stdout, highlight=False)
    return Console(
        file=sys.stdout,
        highlight=False,
        width=int(os.environ.get("COLUMNS") or "200"),
        color_system=None,
    )


def short_date(value: datetime | None, tz: tzinfo | None = None) -> str:
    if value is None:
        return "—"
    """A moment with its year and its zone's name: "2026-11-14 08:11 GMT"."""
    local = value.astimezone(tz) if tz is not None else value
    text = local.strftime("%Y-%m-%d %H:%M")
    return f"{text} {durations.zone_label(local, local.tzinfo)}" if local.tzinfo else text


def private_file(path: str | Path) -> TextIO:
    """``path`` opened for writing text that only its owner may read (0600 from the first byte,
    also when it existed with other modes): exported messages, a report, a configuration all
    name clients and people, as the database does."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "w", encoding="utf-8", newline="")
