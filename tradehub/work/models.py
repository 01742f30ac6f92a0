"""One row per piece of follow-up work that is owed but not yet known to be done."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingTask(models.Model):
    """Task `task` with `args` must run (again). Written in the transaction of the work that
    needs it, so a committed request always leaves its follow-up behind; published to the broker
    after commit and re-published by the beat relay until a run that started after the last
    request finished (then the row is deleted). Keyed by task and arguments: many requests for the
    same shipment collapse into one row, and two beats can never both relay it."""

    key = models.CharField(_("key"), max_length=255, unique=True)
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("first requested at"))
    requested_at = models.DateTimeField(
        _("last requested at"),
        help_text=_("A run that read this value and finished may delete the row."),
    )
    relayed_at = models.DateTimeField(_("last relayed at"), null=True, blank=True)
    relays = models.PositiveIntegerField(_("relays"), default=0)

    class Meta:
        verbose_name = _("pending task")
        verbose_name_plural = _("pending tasks")
        indexes = [models.Index(fields=["created_at"], name="pending_task_created_idx")]

    def __str__(self) -> str:
        return self.key
