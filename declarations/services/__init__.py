"""Every write to a declaration: lock -> check transition -> mutate -> validate -> save -> record
event -> enqueue after commit. The only code that writes a declaration's status."""

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
    request_cancellation,
    submission_errors,
    submit,
    update_draft,
)

__all__ = [
    "allocate_customs_number",
    "amend",
    "apply_customs_messages",
    "assert_amendable",
    "attach_document_file",
    "create_declaration",
    "mark_distributed",
    "receive_customs_message",
    "record_customs_decision",
    "record_event",
    "record_inspection_result",
    "request_cancellation",
    "submission_errors",
    "submit",
    "update_draft",
]
