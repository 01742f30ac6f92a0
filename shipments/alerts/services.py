"""Raising, resolving and acknowledging alerts; a new alert and its outbox messages commit in
one transaction (notifications.notify_alert), so a crash never loses or repeats a notification."""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from shipments.models import Alert
from tradehub.errors import Invalid
from tradehub.notifications.emails import AlertView
from tradehub.notifications.services import notify_alert
from tradehub.partners.models import Partner
from tradehub.times import iso_time

from .choices import AlertKind, AlertState
from .rules import RULES, Candidate, hours_left
from .states import assert_transition


def rescan_shipment(shipment_id: int) -> None:
    """Re-evaluate one shipment's alerts once the caller's transaction commits. The services
    whose writes can raise or resolve an alert call this as their last step: readings processed
    (`shelf.process_readings`), status and ETA derived (`tracking.derive_status`), a shipment
    cancelled (`changes.cancel_shipment`)."""
    from .tasks import scan_shipment_alerts_task

    scan_shipment_alerts_task.delay(shipment_id)  # CommitAwareTask: sent after commit


logger = logging.getLogger(__name__)


@dataclass
class ScanResult:
    """What one scan did."""

    raised: list[Alert] = field(default_factory=list)
    reopened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)


def alert_view(alert: Alert, now: dt.datetime | None = None) -> AlertView:
    """The plain data notifications render into emails and webhook payloads (every key present,
    null where it does not apply; times in UTC with `Z`)."""
    now = now or timezone.now()
    view: AlertView = {
        "reference": alert.reference,
        "kind": alert.kind,
        "kind_label": str(AlertKind(alert.kind).label),
        "severity": alert.severity,
        "message": alert.message,
        "subject": {"type": alert.subject_type, "reference": alert.subject_reference},
        "created_at": iso_time(alert.created_at) or "",
        "admin_path": reverse("admin:shipments_alert_change", args=[alert.pk]),
        "shipment": None,
        "destination": None,
        "destination_country": None,
        "eta": None,
        "lot_code": None,
        "product": None,
        "remaining_shelf_life_hours": None,
        "expires_at": None,
        "shelf_life_ends_at": None,
    }
    shipment = alert.shipment
    if shipment is not None:
        eta = shipment.estimated_arrival or shipment.planned_arrival
        view["shipment"] = shipment.reference
        view["destination"] = shipment.destination.code
        view["destination_country"] = shipment.destination.code[:2]
        view["eta"] = iso_time(eta)
    lot = alert.lot
    if lot is not None:
        view["lot_code"] = lot.lot_code or alert.subject_reference
        view["product"] = lot.product.name
        view["remaining_shelf_life_hours"] = round(
            max(hours_left(lot.shelf_life_ends_at, now), 0), 1
        )
        # The same names and meanings as the REST lot: static expiry vs. the moving end.
        view["expires_at"] = iso_time(lot.expires_at)
        view["shelf_life_ends_at"] = iso_time(lot.shelf_life_ends_at)
    return view


def _raise(candidate: Candidate, now: dt.datetime) -> Alert | None:
    """Insert the alert and its outbox messages in one transaction; None if it already exists."""
    alert = Alert(
        partner_id=candidate.partner_id,
        kind=candidate.kind,
        severity=candidate.severity,
        subject_type=candidate.subject_type,
        subject_reference=candidate.subject_reference,
        shipment=candidate.shipment,
        lot=candidate.lot,
        declaration=candidate.declaration,
        threshold_hours=candidate.threshold_hours,
        dedup_key=candidate.dedup_key,
        message=candidate.message,
        details=candidate.details,
    )
    with transaction.atomic():
        try:
            # A concurrent scan may insert the same key: the unique index decides, we step back.
            with transaction.atomic():
                alert.save()
        except IntegrityError:
            return None
        partner = Partner.objects.get(pk=candidate.partner_id)
        notify_alert(alert_view(alert, now), partner=partner, source_key=f"alert:{alert.dedup_key}")
    return alert


def _set_state(alert: Alert, action: str, now: dt.datetime, **fields: Any) -> None:
    alert.state = assert_transition(alert.state, action)
    for name, value in fields.items():
        setattr(alert, name, value)
    alert.save(update_fields=["state", "updated_at", *fields])


def apply_candidates(
    candidates: list[Candidate],
    kinds: Iterable[str],
    now: dt.datetime,
    shipment_ids: Iterable[int] | None = None,
) -> ScanResult:
    """Raise alerts for new conditions, reopen resolved ones that came back, resolve the alerts of
    `kinds` (within the shipments scanned) whose condition no longer holds."""
    result = ScanResult()
    wanted = {c.dedup_key: c for c in candidates}
    existing = {
        a.dedup_key: a
        for a in Alert.objects.filter(dedup_key__in=list(wanted)).only(
            "id", "state", "dedup_key", "resolved_by", "message"
        )
    }
    for key, candidate in wanted.items():
        current = existing.get(key)
        if current is None:
            raised = _raise(candidate, now)
            if raised is not None:
                result.raised.append(raised)
        elif current.state == AlertState.RESOLVED and not current.resolved_by:
            with transaction.atomic():
                alert = Alert.objects.select_for_update().get(pk=current.pk)
                # Staff resolved it with a note: the same condition does not reopen it.
                if alert.state == AlertState.RESOLVED and not alert.resolved_by:
                    # The condition came back: reopen quietly (recipients were told once).
                    _set_state(alert, "reopen", now, resolved_at=None, message=candidate.message)
                    result.reopened.append(alert)
        elif current.state != AlertState.RESOLVED and current.message != candidate.message:
            # Still open: its text follows the current values (a lot that "runs out at 00:00"
            # says 18:04 once the estimate moved), so what is read or sent next is true.
            Alert.objects.filter(pk=current.pk).update(message=candidate.message, updated_at=now)
    active = Alert.objects.filter(kind__in=list(kinds)).exclude(state=AlertState.RESOLVED)
    if shipment_ids is not None:
        active = active.filter(shipment_id__in=list(shipment_ids))
    for alert_id in active.exclude(dedup_key__in=list(wanted)).values_list("id", flat=True):
        with transaction.atomic():
            alert = Alert.objects.select_for_update().get(pk=alert_id)
            if alert.state != AlertState.RESOLVED:
                _set_state(alert, "resolve", now, resolved_at=now)
                result.resolved.append(alert)
    return result


def scan_alerts(
    now: dt.datetime | None = None,
    shipment_ids: Iterable[int] | None = None,
    kinds: Iterable[str] | None = None,
) -> ScanResult:
    """Run every rule (or `kinds`) once, for all candidates or only the given shipments."""
    now = now or timezone.now()
    ids = list(shipment_ids) if shipment_ids is not None else None
    total = ScanResult()
    for kind in kinds or RULES:
        rule = RULES[AlertKind(kind)]
        result = apply_candidates(rule(now, ids), [kind], now, ids)
        total.raised += result.raised
        total.reopened += result.reopened
        total.resolved += result.resolved
    if total.raised or total.resolved:
        logger.info(
            "alert scan: %d raised, %d reopened, %d resolved",
            len(total.raised),
            len(total.reopened),
            len(total.resolved),
        )
    return total


@transaction.atomic
def acknowledge_alert(alert: Alert, *, actor: str, comment: str = "") -> Alert:
    """Staff or the partner takes note of an open alert (409 when it is not open)."""
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    _set_state(
        locked,
        "acknowledge",
        timezone.now(),
        acknowledged_at=timezone.now(),
        acknowledged_by=actor,
        comment=comment,
    )
    return locked


class NoteRequired(Invalid):
    """A staff decision that must say why was given no text."""

    def __init__(self) -> None:
        detail = "Say what was done about the alert."
        super().__init__(
            [{"pointer": "/note", "code": "required", "detail": detail}], f"note: {detail}"
        )


@transaction.atomic
def resolve_alert(alert: Alert, *, actor: str, note: str) -> Alert:
    """Staff close an open or acknowledged alert, saying what was done (409 when resolved).

    The alert rules do not reopen an alert staff resolved while its condition still holds."""
    note = (note or "").strip()
    if not note:
        raise NoteRequired()
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    now = timezone.now()
    _set_state(
        locked,
        "resolve",
        now,
        resolved_at=now,
        resolved_by=actor,
        resolution_note=note,
    )
    return locked


@transaction.atomic
def assign_alert(alert: Alert, assignee: Any) -> Alert:
    """Give the alert to a staff member (None: nobody)."""
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if assignee is not None and not assignee.is_staff:
        detail = "Only staff members handle alerts."
        raise Invalid(
            [{"pointer": "/assignee", "code": "not_staff", "detail": detail}],
            f"assignee: {detail}",
        )
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    return locked
