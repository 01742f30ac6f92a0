"""One labelled time zone: local to TIME_ZONE, 24-hour, the zone named, everywhere staff look."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from tradehub.times import local_label, utc_offset, zone_label

AFTERNOON = dt.datetime(2026, 7, 21, 9, 5, tzinfo=dt.UTC)  # 14:05 in Almaty


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "2026-07-21 14:05 Almaty, UTC+5"),
        ("ru", "2026-07-21 14:05 Алматы, UTC+5"),
        ("zh-hans", "2026-07-21 14:05 阿拉木图时间（UTC+5）"),
    ],
)
def test_local_label_is_local_24_hour_and_names_the_zone(language, expected):
    with translation.override(language):
        assert local_label(AFTERNOON) == expected
        assert local_label("2026-07-21T09:05:00Z") == expected


def test_local_label_handles_other_zones_half_hours_and_nothing():
    kolkata = ZoneInfo("Asia/Kolkata")
    assert utc_offset(AFTERNOON, kolkata) == "UTC+5:30"
    assert zone_label(AFTERNOON, kolkata) == "Kolkata, UTC+5:30"
    assert local_label(AFTERNOON, zone=ZoneInfo("Asia/Urumqi"), date=False) == "15:05 Urumqi, UTC+6"
    assert local_label(None) == "–"
    with pytest.raises(ValueError, match="naive"):
        local_label(dt.datetime(2026, 7, 21, 9, 5))
