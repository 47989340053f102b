"""Write the reviewers' labelled messages, redacted, for the clinical lead to rewrite as cases.

Visitors' words never go into tests/: the file goes to var/review-cases/ (git-ignored),
in the format of tests/safety/, and each case there is rewritten in the clinical lead's
own words before it is added to tests/safety/.
"""

import os
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bot.redaction import redact
from bot.web.console.models import SafetyLabel

TESTS_DIR = Path(settings.PROJECT_DIR) / "tests"
HEADER = """\
# Messages reviewers labelled in the staff console (redacted), with what the screen
# should have said. Visitors' own words: NOT test cases. Never copy this file into
# tests/. Rewrite each as a new case in your own words, keeping what makes it risky,
# and add that to tests/safety/; a new case that fails is a miss to fix in
# data/risk_rules/, never in the case.
"""


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None, help="the file to write")

    def handle(self, *args, output, **options):
        output = (output or Path(settings.VAR_DIR) / "review-cases" / "from_review.yml").resolve()
        if output.is_relative_to(TESTS_DIR.resolve()):
            raise CommandError(
                f"{output}: visitors' messages go outside the repository's tests, never into "
                "tests/. Leave out --output, or name a file elsewhere."
            )
        cases = [_case(label) for label in SafetyLabel.objects.order_by("pk")]
        body = yaml.safe_dump({"cases": cases}, sort_keys=False, allow_unicode=True, width=100)
        output.parent.mkdir(parents=True, exist_ok=True)
        # Readable by its owner only: redaction is good, not perfect.
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(HEADER + body)
        self.stdout.write(
            f"wrote {len(cases)} redacted messages to {output}\n"
            "These are visitors' words, not test cases. The clinical lead should rewrite each "
            "one as a new case in their own words before adding it to tests/safety/; "
            "do not copy this file there."
        )


def _case(label: SafetyLabel) -> dict:
    # Redacted again: labels saved before redaction knew names and addresses.
    message = redact(label.text, label.region or None)
    case = {"id": f"review-{label.pk:04d}", "message": message, "level": label.level}
    if label.categories:
        case["categories"] = label.categories.split(",")
    if label.region:
        case["region"] = label.region
    screen = f"{label.screen_level} {label.screen_categories}".strip()
    note = redact(label.note, label.region or None)
    case["note"] = f"reviewed {label.labelled_at:%Y-%m-%d}; the screen said {screen}. {note}"
    case["note"] = case["note"].strip()
    return case
