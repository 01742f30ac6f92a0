.PHONY: run test bench bench-e2e
# Install everything and run TradeHub with demo data on SQLite (no external services).
run:
	bin/run
# Install test tools and run ruff, mypy and pytest against PostgreSQL and Redis.
test:
	bin/test
# Benchmarks: print ratios measured side by side in one run.
bench:
	bin/bench
# End to end: gunicorn + PostgreSQL + Redis against a bare DRF app and raw COPY, with wrk.
bench-e2e:
	bin/bench e2e
