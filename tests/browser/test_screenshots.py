"""Refresh docs/screenshots/ (Russian and Chinese, laptop and phone) from the demo data.

Not a check: it runs only when asked,

    SCREENSHOTS=1 pytest tests/browser/test_screenshots.py

and writes docs/screenshots/<page>-<language>-<device>.png.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from shipments.models import Alert, Shipment
from tests.browser.conftest import LAPTOP, PHONE

OUT = Path(settings.BASE_DIR) / "docs" / "screenshots"
LANGUAGES = {"ru": "ru", "zh": "zh-CN"}
DEVICES = {"laptop": LAPTOP, "phone": PHONE}

pytestmark = pytest.mark.skipif(
    os.environ.get("SCREENSHOTS") != "1", reason="SCREENSHOTS=1 refreshes docs/screenshots/"
)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_refresh_screenshots(open_page, language):
    call_command("load_demo_data", verbosity=0)
    shipment = Shipment.objects.filter(excursions__isnull=False).first() or Shipment.objects.first()
    alert = Alert.objects.order_by("state", "-created_at").first()
    pages = {
        "control-tower": "/admin/",
        "shipments": "/admin/shipments/shipment/",
        "shipment-chart": f"/admin/shipments/shipment/{shipment.pk}/change/" if shipment else None,
        "alert": f"/admin/shipments/alert/{alert.pk}/change/" if alert else None,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for device, width in DEVICES.items():
        for name, path in pages.items():
            if path is None:
                continue
            page = open_page(path, width=width, language=LANGUAGES[language])
            page.screenshot(path=str(OUT / f"{name}-{language}-{device}.png"), full_page=False)
