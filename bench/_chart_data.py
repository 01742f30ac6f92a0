"""Chart bench data shared by `bench/telemetry_charts.py` and `bench/e2e/data.py`: a shipment's
readings written in bulk (two sensors, one reading a minute each, ending at `end`), into monthly
partitions created first as beat does (with their own shipment checks), and their hourly rollups built by the aggregation ingest
keeps (migration 0020's backfill)."""

import datetime as dt
from typing import Any

SENSORS = ("S1", "S2")
TABLE = "shipments_temperaturereading"


def fill_readings(connection: Any, shipment_id: int, count: int, end: dt.datetime) -> None:
    """`count` readings for the shipment ending at `end` (minute steps per sensor), and rollups."""
    from shipments.services.telemetry import guard_reading_partitions
    from tradehub.partitions import ensure_month_partitions, month_start

    minutes = count // len(SENSORS)
    first = end - dt.timedelta(minutes=minutes - 1)
    months = (end.year - first.year) * 12 + end.month - first.month + 2
    ensure_month_partitions(connection, TABLE, "recorded_at", month_start(first), months)
    guard_reading_partitions(connection)
    with connection.cursor() as cursor:
        for sensor in SENSORS:
            cursor.execute(
                f"INSERT INTO {TABLE} (shipment_id, sensor_id, recorded_at, temperature_c, "
                "humidity_pct, sensor_kind) SELECT %s, %s, %s + make_interval(mins => i), "
                "round((2 + 3 * sin(i / 180.0) + random())::numeric, 2), 90, '' "
                "FROM generate_series(0, %s) i",
                [shipment_id, sensor, first, minutes - 1],
            )
        cursor.execute(
            "INSERT INTO shipments_readinghour (shipment_id, sensor_id, hour, count, "
            "temperature_min, temperature_max, temperature_sum, humidity_count, humidity_min, "
            "humidity_max, humidity_sum) SELECT shipment_id, sensor_id, "
            "date_trunc('hour', recorded_at, 'UTC'), count(*), min(temperature_c), "
            "max(temperature_c), sum(temperature_c), count(humidity_pct), min(humidity_pct), "
            f"max(humidity_pct), sum(humidity_pct) FROM {TABLE} WHERE shipment_id = %s "
            "GROUP BY 1, 2, 3",
            [shipment_id],
        )
        cursor.execute(f"ANALYZE {TABLE}")
        cursor.execute("ANALYZE shipments_readinghour")
