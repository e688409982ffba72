"""`[replicas]`: read once, checked by name, refused where it cannot work."""

from __future__ import annotations

import pytest

from monitor.config import load_config_text
from monitor.errors import ConfigError
from tests.factories import CONFIG

POSTGRES = '\n[store]\nurl = "postgresql+psycopg://relmon@db.internal/relmon"\n'


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text)
    return caught.value.problems


def test_replicas_default_to_thirty_second_leases_renewed_every_ten() -> None:
    config = load_config_text(CONFIG + POSTGRES)

    assert config.replicas.lease_seconds == 30
    assert config.replicas.heartbeat_seconds == 10
    assert config.replicas.id is None


def test_a_replica_name_and_lease_length_are_taken_as_given() -> None:
    config = load_config_text(
        CONFIG + POSTGRES + '\n[replicas]\nlease_seconds = 12\nid = "relmon-b.eu:2"\n'
    )

    assert (config.replicas.lease_seconds, config.replicas.id) == (12.0, "relmon-b.eu:2")


def test_replicas_on_sqlite_are_refused_with_the_reason() -> None:
    found = problems(
        CONFIG + '\n[store]\nurl = "sqlite:///relmon.db"\n[replicas]\nlease_seconds = 30\n'
    )

    assert any(
        p.startswith("replicas: several replicas need a PostgreSQL store.url") for p in found
    )


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("lease_seconds = 1", "replicas.lease_seconds: must be at least 3.0, got 1"),
        ("lease_seconds = 7200", "replicas.lease_seconds: must be at most 3600"),
        ('lease_seconds = "30s"', "replicas.lease_seconds: expected a number"),
        ('id = "north replica"', "replicas.id: 'north replica' is not a replica name"),
        ("heartbeat = 5", "replicas.heartbeat: unknown key"),
    ],
)
def test_a_bad_replicas_setting_is_refused_by_its_key(setting: str, expected: str) -> None:
    found = problems(CONFIG + POSTGRES + f"\n[replicas]\n{setting}\n")

    assert any(p.startswith(expected) for p in found), found
