"""Small crisis-service files written by tests that need data of their own."""

from bot.safety.resources import CrisisResources

INTL = """\
region: intl
emergency: null
services:
  - name: Find A Helpline
    categories: [suicide]
    phone: null
    sms: null
    sms_keyword: null
    url: https://findahelpline.com
    hours: Online directory
    audience: anyone
    general_audience: true
    source: https://findahelpline.com
    verified_on: 2026-11-25
"""


def service(name, categories="[suicide]", general_audience="true", **fields):
    """One service entry of a region's file, for tests that write their own data."""
    values = {
        "phone": '"1-800-555-0100"',
        "sms": "null",
        "sms_keyword": "null",
        "url": "https://example.org/",
        "hours": "24/7",
        **fields,
    }
    return (
        f"  - name: {name}\n    categories: {categories}\n"
        + "".join(f"    {key}: {value}\n" for key, value in values.items())
        + f"    audience: someone\n    general_audience: {general_audience}\n"
        + "    source: https://example.org/\n    verified_on: 2026-12-01\n"
    )


def load_us(tmp_path, *services):
    """Resources with a us.yml of these services (and an intl.yml)."""
    body = 'region: us\nemergency: "911"\nservices:\n' + "".join(services)
    (tmp_path / "us.yml").write_text(body, encoding="utf-8")
    (tmp_path / "intl.yml").write_text(INTL, encoding="utf-8")
    return CrisisResources.load(tmp_path)
