"""Rendering alert emails (immediate and digest) from templates into subject, text and HTML."""

import unicodedata
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy

TEMPLATE_DIR = "notifications/emails"


class AlertSubject(TypedDict):
    """What an alert is about: `{"type": "lot", "reference": "SHP-...#LOT-1"}`."""

    type: str
    reference: str


class AlertView(TypedDict):
    """Plain data about one alert, given by the app that raises it (notifications imports no app
    that owns alerts; the producer fills this in)."""

    reference: str
    kind: str
    severity: str
    message: str
    subject: AlertSubject
    created_at: str
    kind_label: NotRequired[str]
    shipment: NotRequired[str | None]
    destination: NotRequired[str | None]
    destination_country: NotRequired[str | None]
    eta: NotRequired[str | None]
    lot_code: NotRequired[str | None]
    product: NotRequired[str | None]
    remaining_shelf_life_hours: NotRequired[float | None]
    expires_at: NotRequired[str | None]
    shelf_life_ends_at: NotRequired[str | None]
    admin_path: NotRequired[str | None]


def admin_url(view: AlertView) -> str:
    """Absolute link to the alert's admin page (SITE_URL + the producer's admin path)."""
    path = view.get("admin_path") or "/admin/"
    return settings.SITE_URL.rstrip("/") + path


# Line and paragraph separators and the bidirectional overrides can reorder or break a line
# like a control character does, so they go too.
_ALSO_STRIPPED = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(value: str) -> str:
    """Partner text made safe for one line of an email: every run of control characters (line
    breaks, tabs, escapes, NUL, C1 controls, bidi overrides) becomes one space, so a lot code
    cannot start a new line or fake a header in the plain-text body."""
    out: list[str] = []
    for char in value:
        if unicodedata.category(char) == "Cc" or char in _ALSO_STRIPPED:
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(char)
    return "".join(out).strip()


def clean(value: Any) -> Any:
    """`clean_text` applied to every string of a view (nested dicts and lists too)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean(item) for item in value]
    return value


def _context(view: AlertView) -> dict[str, Any]:
    view = clean(view)
    return {
        **view,
        "admin_url": admin_url(view),
        "kind_label": view.get("kind_label") or view["kind"],
    }


def _render(name: str, context: dict[str, Any], language: str | None) -> dict[str, str]:
    """Render the three parts in the recipient's `language` (default LANGUAGE_CODE); times in
    them are local to TIME_ZONE with the zone named (the `local_time` filter)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{TEMPLATE_DIR}/{name}_subject.txt", context)
        return {
            "subject": " ".join(subject.split())[:300],
            "text": render_to_string(f"{TEMPLATE_DIR}/{name}.txt", context),
            "html": render_to_string(f"{TEMPLATE_DIR}/{name}.html", context),
        }


def render_alert_email(view: AlertView, language: str | None = None) -> dict[str, str]:
    """Subject, text and HTML of the immediate email for one alert, in `language`."""
    return _render("alert", {"alert": _context(view), "site_url": settings.SITE_URL}, language)


def render_digest_email(views: Sequence[AlertView], language: str | None = None) -> dict[str, str]:
    """Subject, text and HTML of a digest grouping several alerts for one recipient."""
    alerts = [_context(v) for v in views]
    # Translated when rendered (in the recipient's language).
    kinds = [gettext_lazy(k) for k in dict.fromkeys(str(a["kind_label"]) for a in alerts)]
    return _render(
        "digest",
        {
            "alerts": alerts,
            "kinds": kinds,
            "count": len(alerts),
            "site_url": settings.SITE_URL,
            "digest_minutes": settings.ALERT_DIGEST_MINUTES,
        },
        language,
    )
