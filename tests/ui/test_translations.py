"""Every string TradeHub marks for translation has a Russian and a Chinese translation.

The test extracts the marked strings afresh (Django's makemessages over the source packages, in a
scratch directory) and compares them with the committed catalogues using GNU gettext's `msgcmp`,
which reports every msgid that is missing, untranslated or fuzzy in a catalogue.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
SOURCE_PACKAGES = ["tradehub", "declarations", "shipments", "gateways"]
LANGUAGES = {"ru": "ru", "zh_Hans": "zh-hans"}

needs_gettext = pytest.mark.skipif(
    shutil.which("msgcmp") is None, reason="GNU gettext (msgcmp) is not installed"
)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """A scratch tree with the source packages linked in and freshly extracted catalogues."""
    scratch = tmp_path_factory.mktemp("messages")
    for package in SOURCE_PACKAGES:
        (scratch / package).symlink_to(ROOT / package, target_is_directory=True)
    (scratch / "locale").mkdir()
    cwd = os.getcwd()
    os.chdir(scratch)
    try:
        with override_settings(LOCALE_PATHS=[]):
            call_command(
                "makemessages",
                locale=list(LANGUAGES),
                symlinks=True,
                ignore_patterns=["*/migrations/*", "*/static/*"],
                verbosity=0,
            )
    finally:
        os.chdir(cwd)
    return scratch / "locale"


@needs_gettext
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_marked_string_is_translated(extracted, language):
    committed = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert committed.exists(), f"{committed} is missing: run makemessages and translate"
    fresh = extracted / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgcmp", str(committed), str(fresh)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, (
        f"{language}: marked strings without a translation (translate them in {committed}):\n"
        + result.stderr[:4000]
    )


@needs_gettext
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_catalogues_compile_cleanly(language):
    committed = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(committed)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("language", "text"),
    [("ru", "Таможенная декларация"), ("zh-hans", "报关单")],
)
def test_compiled_messages_are_used(language, text):
    """The compiled catalogue is loaded (bin/test and bin/run build it with compilemessages)."""
    with translation.override(language):
        from declarations.models import Declaration

        assert str(Declaration._meta.verbose_name).lower() in text.lower()
