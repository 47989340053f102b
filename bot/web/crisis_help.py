"""The widget's own copy of the crisis services, so "Get help now" works with the bot down.

The widget ships `static/lantern/crisis-help.json`, generated from data/resources and
bot.regions (its region picker's names) by `make widget-help`; a test fails when the
file is out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.regions import REGION_NAMES
from bot.safety.resources import LOCAL_EMERGENCY_ADVICE, CrisisResources

STATIC_FILE = Path(__file__).resolve().parent / "static" / "lantern" / "crisis-help.json"


def crisis_help(resources: CrisisResources | None = None) -> dict:
    """Every region's name, emergency number and services, as the widget draws them."""
    resources = resources or CrisisResources.load()
    return {
        "local_emergency_advice": LOCAL_EMERGENCY_ADVICE,
        "region_names": REGION_NAMES,  # in the picker's order
        "regions": {
            region: {
                "emergency": resources.emergency_number(region),
                "services": [service.to_payload() for service in resources.services(region)],
            }
            for region in resources.regions()
        },
    }


def render(data: dict) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    STATIC_FILE.write_text(render(crisis_help()), encoding="utf-8")
    sys.stdout.write(f"wrote {STATIC_FILE}\n")
