"""The README stays short, and every relative link in the docs leads to a file that exists."""

import re
from pathlib import Path
from urllib.parse import unquote

PROJECT_DIR = Path(__file__).resolve().parents[2]
README = PROJECT_DIR / "README.md"
README_MAX_LINES = 160
# [text](target), optionally with a title; images too. Reference-style links are not used.
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, ...


def pages() -> list[Path]:
    return [README, *sorted((PROJECT_DIR / "docs").glob("*.md"))]


def relative_links(markdown: str) -> list[str]:
    """Link targets outside code blocks and spans, without URLs or same-page anchors."""
    text = CODE_SPAN.sub("", FENCE.sub("", markdown))
    targets = [match.group(1) for match in LINK.finditer(text)]
    return [t for t in targets if not SCHEME.match(t) and not t.startswith("#")]


def test_the_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


def test_every_relative_link_points_to_a_file_in_the_repository():
    checked, broken = 0, []
    for page in pages():
        for target in relative_links(page.read_text(encoding="utf-8")):
            checked += 1
            resolved = (page.parent / unquote(target.split("#", 1)[0])).resolve()
            inside = resolved == PROJECT_DIR or PROJECT_DIR in resolved.parents
            if not inside or not resolved.exists():
                broken.append(f"{page.relative_to(PROJECT_DIR)}: {target}")
    assert checked, "no relative links found: the link pattern no longer matches the docs"
    assert not broken, "links to nothing:\n" + "\n".join(broken)
