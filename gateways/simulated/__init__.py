"""A deterministic, rule-based customs authority for demos and tests (ASTANA-1 style for Kazakh
offices, EAIS style for Kyrgyz ones): its own state, tasks and beat entries."""
