"""ProductProfile.from_obj reuses a profile built from the same values (issue #15, lists)."""

from types import SimpleNamespace

from shipments.shelf_life import ProductProfile


def product(**changes):
    values = {
        "storage_temp_min_c": 12.5,
        "storage_temp_max_c": 15.0,
        "storage_temp_optimal_c": 13.5,
        "storage_life_days": 14,
        "chilling_sensitive": True,
        "chilling_onset": [[10, 336], [5, 144]],  # as a JSONField holds it
        "highest_freezing_point_c": -0.5,
    }
    return SimpleNamespace(**{**values, **changes})


def test_same_values_same_profile():
    first = ProductProfile.from_obj(product())
    assert ProductProfile.from_obj(product()) is first
    assert first == ProductProfile(
        storage_temp_min_c=12.5,
        storage_temp_max_c=15.0,
        storage_temp_optimal_c=13.5,
        storage_life_days=14,
        chilling_sensitive=True,
        chilling_onset=((10, 336), (5, 144)),
        highest_freezing_point_c=-0.5,
    )


def test_a_changed_value_is_a_new_profile():
    first = ProductProfile.from_obj(product())
    changed = ProductProfile.from_obj(product(storage_life_days=21))
    assert changed is not first and changed.storage_life_days == 21
    # Equal numbers of another type are not taken for each other (14 == 14.0).
    as_float = ProductProfile.from_obj(product(storage_life_days=14.0))
    assert type(as_float.storage_life_days) is float
    assert type(first.storage_life_days) is int
