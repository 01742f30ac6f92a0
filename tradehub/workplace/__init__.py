"""The staff workplace: the control tower on the admin's landing page and its queues.

The platform layer defines what a queue is and draws the tower; each app declares its own queues
(`declarations/queues.py`, `shipments/queues.py`, `tradehub/notifications/queues.py`) and the
settings (`CONTROL_TOWER`) say which are shown, in which order, with which amber/red limits.
"""
