"""Every write of the shipments app: creation, distribution, tracking, telemetry, sweeps."""
