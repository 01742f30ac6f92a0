"""TradeHub's PostgreSQL database backend: Django's, with a cheaper connection health check."""
