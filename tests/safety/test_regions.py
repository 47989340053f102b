"""Region codes from the widget."""

import pytest

from bot.regions import normalise_region, region_from_metadata


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("us", "us"),
        ("UK", "uk"),
        (" gb ", "uk"),
        ("nz", "nz"),
        ("fr", "intl"),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_normalise_region(value, expected):
    assert normalise_region(value) == expected


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [({"region": "ca"}, "ca"), ({}, None), (None, None), ("us", None)],
)
def test_region_from_metadata(metadata, expected):
    assert region_from_metadata(metadata) == expected
