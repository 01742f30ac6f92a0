.PHONY: run test bench
# Install everything and run TradeHub with demo data on SQLite (no external services).
run:
	bin/run
# Install test tools and run ruff, mypy and pytest against PostgreSQL and Redis.
test:
	bin/test
# Benchmarks: print ratios measured side by side in one run.
bench:
	bin/bench
