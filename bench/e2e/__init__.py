"""End-to-end benchmark: TradeHub under gunicorn against a bare DRF app served the same way."""
