"""Write the reviewers' safety labels as a case file in the format of tests/safety/."""

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand

from bot.web.console.models import SafetyLabel

DEFAULT_FILE = Path(__file__).resolve().parents[5] / "tests" / "safety" / "from_review.yml"
HEADER = """\
# Cases from the staff console: what reviewers said the screen should have said
# about real messages (redacted). Written by `make export-safety-cases`; edit the
# console's labels, not this file. A case here that fails is a miss found in review:
# fix the rules in bot/safety/rules/, never the case.
"""


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=DEFAULT_FILE)

    def handle(self, *args, output, **options):
        cases = [_case(label) for label in SafetyLabel.objects.order_by("pk")]
        body = yaml.safe_dump({"cases": cases}, sort_keys=False, allow_unicode=True, width=100)
        output.write_text(HEADER + body, encoding="utf-8")
        self.stdout.write(f"wrote {len(cases)} cases to {output}")


def _case(label: SafetyLabel) -> dict:
    case = {"id": f"review-{label.pk:04d}", "message": label.text, "level": label.level}
    if label.categories:
        case["categories"] = label.categories.split(",")
    if label.region:
        case["region"] = label.region
    screen = f"{label.screen_level} {label.screen_categories}".strip()
    case["note"] = f"reviewed {label.labelled_at:%Y-%m-%d}; the screen said {screen}. {label.note}"
    case["note"] = case["note"].strip()
    return case
