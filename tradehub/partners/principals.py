"""Who is calling: a partner's API key or a logged-in staff user, behind one small interface."""

from dataclasses import dataclass
from typing import Any

from .models import Partner, PartnerAPIKey


@dataclass(frozen=True, eq=False)
class ApiClient:
    """The request user for a call made with a partner API key."""

    api_key: PartnerAPIKey
    partner: Partner
    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True

    @property
    def pk(self) -> str:
        return f"key:{self.api_key.prefix}"

    @property
    def is_gateway(self) -> bool:
        return self.partner.is_gateway

    def __str__(self) -> str:
        return f"{self.partner.name} (API key {self.api_key.prefix})"


def partner_of(user: Any) -> Partner | None:
    """The partner a caller acts for: the key's partner, or a staff user's first membership."""
    if isinstance(user, ApiClient):
        return user.partner
    if getattr(user, "is_authenticated", False):
        membership = user.memberships.select_related("partner").order_by("pk").first()
        return membership.partner if membership else None
    return None


def actor_label(user: Any) -> str:
    """A human-readable name of the caller for event logs ("system" for beat and workers)."""
    if user is None:
        return "system"
    if isinstance(user, ApiClient):
        return str(user)
    return getattr(user, "get_username", lambda: str(user))()


def sees_everything(user: Any) -> bool:
    """Staff see every partner's objects."""
    return bool(getattr(user, "is_staff", False))
