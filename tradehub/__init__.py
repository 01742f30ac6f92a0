"""TradeHub: consolidated customs declarations and perishable cargo for the China–Central Asia corridor."""

from tradehub.celery import app as celery_app

__all__ = ("celery_app",)
