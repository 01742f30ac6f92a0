"""Writes for partners: create organisations and issue API keys."""

from typing import cast

from django.db import transaction

from .choices import PartnerKind
from .models import Partner, PartnerAPIKey


@transaction.atomic
def create_partner(
    name: str,
    *,
    kind: str = PartnerKind.FORWARDER,
    is_gateway: bool = False,
    contact_email: str = "",
) -> Partner:
    """Create a partner organisation (a gateway integration when `is_gateway`)."""
    partner = Partner(name=name, kind=kind, is_gateway=is_gateway, contact_email=contact_email)
    partner.full_clean()
    partner.save()
    return partner


def issue_api_key(partner: Partner, name: str = "default") -> tuple[PartnerAPIKey, str]:
    """Issue a new API key; the plain key is returned once and only its hash is stored."""
    api_key, key = PartnerAPIKey.objects.create_key(name=name, partner=partner)
    return cast(PartnerAPIKey, api_key), key


def revoke_api_key(api_key: PartnerAPIKey) -> None:
    """Revoke a key for good (revocation cannot be undone)."""
    api_key.revoked = True
    api_key.save(update_fields=["revoked"])
