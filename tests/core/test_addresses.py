"""Who is us, who is a client, and which way a message goes."""

from __future__ import annotations

import pytest

from monitor.core.addresses import normalise_address
from monitor.core.model import Direction, Mailbox
from tests.factories import team_config

ALICE = Mailbox("alice.marsh@northwind-advisory.example", "Alice Marsh")
BEN = Mailbox("ben.okafor@northwind-advisory.example", "Ben Okafor")
DANA = Mailbox("dana.whitfield@acme-logistics.example", "Dana Whitfield")
JANA = Mailbox("j.becker.falkenberg@gmail.com", "Jana Becker")
SAM = Mailbox("sam.reed@lumen-analytics.example", "Sam Reed")


@pytest.fixture
def directory():
    return team_config().directory()


def test_client_mail_to_us_is_inbound(directory) -> None:
    attribution = directory.attribute(DANA, [ALICE], [])

    assert attribution.direction is Direction.INBOUND
    assert attribution.client == "Acme Logistics"


def test_our_mail_with_the_client_in_cc_is_outbound(directory) -> None:
    attribution = directory.attribute(ALICE, [BEN], [DANA])

    assert attribution.direction is Direction.OUTBOUND
    assert attribution.client == "Acme Logistics"
    assert attribution.counterpart == DANA.address


def test_mail_between_us_only_is_internal(directory) -> None:
    assert directory.attribute(ALICE, [BEN], []).direction is Direction.INTERNAL


def test_a_subdomain_matches_its_clients_domain(directory) -> None:
    eu_office = Mailbox("lena.kraus@eu.acme-logistics.example")

    assert directory.attribute(eu_office, [ALICE], []).client == "Acme Logistics"


def test_free_mail_matches_only_by_listed_address(directory) -> None:
    stranger = Mailbox("someone.else@gmail.com")

    assert directory.attribute(JANA, [BEN], []).client == "Falkenberg Maschinenbau"
    assert directory.attribute(stranger, [BEN], []).direction is Direction.OTHER


def test_an_unassigned_correspondent_is_other_and_never_a_client(directory) -> None:
    attribution = directory.attribute(SAM, [ALICE], [])

    assert attribution.direction is Direction.OTHER
    assert attribution.client is None
    assert attribution.counterpart == SAM.address


def test_a_contact_address_matches_before_a_domain() -> None:
    config = team_config(
        extra='\n[[clients]]\nname = "Harbour Board"\ndomains = ["harbour-board.example"]\n'
        'addresses = ["dana.whitfield@acme-logistics.example"]\nowner = "alice.marsh@northwind-advisory.example"\n'
    )

    assert config.directory().attribute(DANA, [ALICE], []).client == "Harbour Board"


def test_address_normalisation_lower_cases_and_strips_display_names() -> None:
    assert (
        normalise_address("Dana Whitfield <Dana.Whitfield@ACME-Logistics.example>")
        == "dana.whitfield@acme-logistics.example"
    )
    with pytest.raises(ValueError, match="is not an email address"):
        normalise_address("dana at acme")
