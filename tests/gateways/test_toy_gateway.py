"""Adding a gateway touches no core file but settings: a toy gateway from tests/ serves one office
while the other offices keep theirs."""

from pathlib import Path

import pytest

import declarations
from declarations import services
from declarations.choices import DeclarationStatus as S
from declarations.gateway import get_gateway
from gateways.simulated.gateway import SimulatedGateway
from tests.declarations.factories import create_declaration
from tests.gateways.toy import ToyGateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def toy_settings(settings):
    settings.CUSTOMS_GATEWAY = "routes"
    settings.CUSTOMS_GATEWAYS = {
        **settings.CUSTOMS_GATEWAYS,
        "toy": {"class": "tests.gateways.toy.ToyGateway", "options": {"prefix": "TOY"}},
    }
    settings.CUSTOMS_GATEWAY_ROUTES = {"50520": "toy", "KZ": "astana1", "*": "manual"}


def test_a_toy_gateway_registered_in_settings_serves_its_office(toy_settings):
    toy = create_declaration(office="50520")
    other = create_declaration()
    assert isinstance(get_gateway(toy), ToyGateway)
    assert isinstance(get_gateway(other), SimulatedGateway)
    toy = services.submit(toy, actor="test")
    toy.refresh_from_db()
    assert toy.status == S.RELEASED and (toy.number or "").startswith("50520/")
    assert set(toy.customs_messages.values_list("actor", flat=True)) == {"toy"}
    other = services.submit(other, actor="test")
    assert other.status == S.SUBMITTED  # astana1 decides later, in its own task


def test_the_core_knows_nothing_about_the_toy_gateway():
    core = Path(declarations.__file__).parent
    mentions = [p for p in core.rglob("*.py") if "ToyGateway" in p.read_text()]
    assert mentions == []
