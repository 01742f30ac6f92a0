"""Every write to a declaration: lock -> check transition -> mutate -> validate -> save -> record
event -> enqueue after commit. The only code that writes a declaration's status."""

from ..risk import RiskAssessment, assess_risk
from .allocation import Quantity, lock_and_check_allocation, register_drawing_provider
from .common import record_event
from .customs import (
    allocate_customs_number,
    apply_customs_messages,
    receive_customs_message,
    record_customs_decision,
    record_inspection_result,
)
from .declarations import (
    amend,
    assert_amendable,
    attach_document_file,
    create_declaration,
    mark_distributed,
    remove_document_file,
    request_cancellation,
    submission_errors,
    submit,
    sync_distribution_status,
    update_draft,
)
from .stock import draw_from_stock, stock_office, stock_unavailable_reason
from .transit import record_transit_arrival

__all__ = [
    "Quantity",
    "RiskAssessment",
    "allocate_customs_number",
    "amend",
    "apply_customs_messages",
    "assert_amendable",
    "assess_risk",
    "attach_document_file",
    "create_declaration",
    "draw_from_stock",
    "lock_and_check_allocation",
    "mark_distributed",
    "receive_customs_message",
    "record_customs_decision",
    "record_event",
    "record_inspection_result",
    "record_transit_arrival",
    "register_drawing_provider",
    "remove_document_file",
    "request_cancellation",
    "stock_office",
    "stock_unavailable_reason",
    "submission_errors",
    "submit",
    "sync_distribution_status",
    "update_draft",
]
