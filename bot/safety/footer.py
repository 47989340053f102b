"""The crisis footer in domain.yml (utter_crisis_footer), written from data/resources.

Rasa says the footer after every crisis reply, even when the action server is down,
so its texts live in domain.yml: one per region (a condition on the region slot) and
one for everywhere else. ``python -m bot.safety.footer`` rewrites that block after
data/resources changes (``--print`` only prints it); a test fails when they differ.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from bot.regions import INTERNATIONAL, KNOWN_REGIONS
from bot.safety.resources import CrisisResources

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
RESPONSE = "utter_crisis_footer"
_HEADER = f"  {RESPONSE}:\n"
_BODY_INDENT = "    "


def footer_texts(resources: CrisisResources | None = None) -> dict[str | None, str]:
    """Each region's footer by region code, and the one for everywhere else under None."""
    resources = resources or CrisisResources.load()
    texts = {
        region: resources.crisis_footer(region)
        for region in KNOWN_REGIONS
        if region in resources.regions()
    }
    return {**texts, None: resources.crisis_footer(INTERNATIONAL)}


def footer_block(texts: dict[str | None, str]) -> str:
    """The response's lines in domain.yml, conditioned on the region slot."""
    lines = [_HEADER]
    for region, text in texts.items():
        if region is None:
            lines.append(f"    - text: {_scalar(text)}\n")
            continue
        lines += [
            "    - condition:\n",
            "        - type: slot\n",
            "          name: region\n",
            f"          value: {region}\n",
            f"      text: {_scalar(text)}\n",
        ]
    return "".join(lines)


def replace_block(domain_text: str, block: str) -> str:
    """domain.yml's text with the footer's block replaced and every other line kept."""
    lines = domain_text.splitlines(keepends=True)
    if lines.count(_HEADER) != 1:
        raise ValueError(f"domain.yml must have exactly one {RESPONSE} response")
    start = lines.index(_HEADER)
    end = start + 1
    while end < len(lines) and lines[end].startswith(_BODY_INDENT):
        end += 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def _scalar(text: str) -> str:
    """``text`` as a one-line YAML scalar, quoted only when YAML needs it."""
    dumped = yaml.safe_dump(text, width=10_000, allow_unicode=True)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety.footer", description=__doc__)
    parser.add_argument("--print", action="store_true", help="print the block, change nothing")
    args = parser.parse_args(argv)
    block = footer_block(footer_texts())
    if args.print:
        sys.stdout.write(block)
        return 0
    DOMAIN_FILE.write_text(replace_block(DOMAIN_FILE.read_text(encoding="utf-8"), block), "utf-8")
    sys.stdout.write(f"wrote {RESPONSE} in {DOMAIN_FILE}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
