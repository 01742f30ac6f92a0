"""docs/shelf-life.md names the tests that reproduce its worked examples: each must exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_test_the_shelf_life_page_names_exists_in_the_file_it_names():
    text = (ROOT / "docs" / "shelf-life.md").read_text(encoding="utf-8")
    named, current = [], None
    for file, name in re.findall(r"`(test_[a-z_]+\.py)?::(test_[a-z0-9_]+)`", text):
        current = file or current
        named.append((current, name))
    assert len(named) >= 34
    for file, name in named:
        assert file is not None
        source = (ROOT / "tests" / "shipments" / file).read_text(encoding="utf-8")
        assert f"def {name}(" in source, f"{file}::{name}"
