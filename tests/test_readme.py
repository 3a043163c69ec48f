"""README.md is a user guide: short, in a fixed order, and every page it sends readers to exists.

The README opens with the two commands, then the admin checklist, then use, configure,
detections, tuning and troubleshooting; the rest lives in docs/, one link away. Other tests
that check what the documentation says read :func:`documentation_text`.
"""
import re

import pytest

from conftest import REPO

README = REPO / "README.md"
DOCS = REPO / "docs"
MAX_README_BYTES = 12 * 1024  # "at most 12 KB" of UTF-8 (issue 14, item 5)

# The README's sections, in order: (what, a pattern its heading matches). Tuning may be a
# section of its own or a subsection of Detections.
SECTION_ORDER = (
    ("the admin checklist", r"^## Install and verify"),
    ("use", r"^## Usage\b"),
    ("configure", r"^## Configuration\b"),
    ("detections", r"^## Detections\b"),
    ("tuning", r"^##+ Tuning\b"),
    ("troubleshooting", r"^## Troubleshooting\b"),
)
# The README sections that end with a one-line link to the page holding the rest.
SECTIONS_WITH_MORE_IN_DOCS = ("## Install and verify", "## Usage", "## Configuration", "## Troubleshooting")
# Pages for developers and operators that the README links to.
DEVELOPER_PAGES = ("ARCHITECTURE.md", "DEVELOPMENT.md", "PERFORMANCE.md", "SECURITY.md", "APPINSPECT.md")

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE_BLOCK = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)


def readme():
    return README.read_text(encoding="utf-8")


def pages():
    return [README, *sorted(DOCS.glob("*.md"))]


def documentation_text():
    """README.md and every page of docs/, for tests that check what the documentation says
    wherever it says it."""
    return "\n\n".join(page.read_text(encoding="utf-8") for page in pages())


def headings(text):
    """The Markdown headings of ``text`` outside code blocks, as (offset, line)."""
    prose = CODE_BLOCK.sub(lambda block: re.sub(r"[^\n]", " ", block.group()), text)
    return [(match.start(), match.group()) for match in re.finditer(r"^#{1,6} .*$", prose, re.MULTILINE)]


def sections(text):
    """``{heading line: its text up to the next heading of the same or a higher level}``."""
    found = headings(text)
    result = {}
    for index, (start, line) in enumerate(found):
        level = len(line) - len(line.lstrip("#"))
        end = next((offset for offset, other in found[index + 1:]
                    if len(other) - len(other.lstrip("#")) <= level), len(text))
        result[line] = text[start:end]
    return result


def anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    title = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", title).replace(" ", "-")


def relative_links(page):
    """(target path, fragment) of every link in ``page`` that is not a URL."""
    text = CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # https:, mailto:
        path, _, fragment = target.partition("#")
        yield path, fragment


def test_the_readme_is_at_most_12_kb():
    size = len(readme().encode("utf-8"))
    assert size <= MAX_README_BYTES, (
        f"README.md is {size} bytes, more than {MAX_README_BYTES}: move details to docs/ behind a one-line link")


def test_the_readme_opens_with_the_two_commands():
    text = readme()
    first_section = headings(text)[1][0]  # after the title
    opening = text[:first_section]
    assert re.search(r"^make demo\b", opening, re.MULTILINE), "README.md must show `make demo` before any section"
    assert re.search(r"^make test\b", opening, re.MULTILINE), "README.md must show `make test` before any section"
    assert opening.index("make demo") < opening.index("make test")


def test_the_readme_sections_come_in_the_users_order():
    found = headings(readme())
    first = found[1][1]  # after the title
    assert first.startswith("## Install and verify"), f"the first section must be the admin checklist, not {first!r}"
    positions = []
    for what, pattern in SECTION_ORDER:
        matches = [offset for offset, line in found if re.match(pattern, line)]
        assert matches, f"README.md has no section for {what} ({pattern})"
        positions.append((matches[0], what))
    assert positions == sorted(positions), "README.md's sections are out of order: " + ", ".join(
        what for _, what in sorted(positions))


@pytest.mark.parametrize("heading", SECTIONS_WITH_MORE_IN_DOCS)
def test_a_section_with_more_in_docs_ends_with_a_link_to_it(heading):
    matching = [text for line, text in sections(readme()).items() if line.startswith(heading)]
    assert matching, heading
    last_line = matching[0].strip().splitlines()[-1]
    targets = LINK.findall(last_line)
    assert targets and all(target.split("#")[0].startswith("docs/") for target in targets), (
        f"{heading} should end with a one-line link to docs/, not {last_line!r}")
    for target in targets:
        assert (REPO / target.split("#")[0]).is_file(), target


def test_the_readme_links_the_pages_for_developers_and_operators():
    linked = {path for path, _ in relative_links(README)}
    missing = [name for name in DEVELOPER_PAGES if f"docs/{name}" not in linked]
    assert not missing, f"README.md links none of {missing}"


def test_every_docs_page_the_readme_links_to_exists():
    missing = sorted({path for path, _ in relative_links(README)
                      if path.startswith("docs/") and not (REPO / path).is_file()})
    assert not missing, f"README.md links to missing pages: {missing}"


@pytest.mark.parametrize("page", pages(), ids=lambda page: page.relative_to(REPO).as_posix())
def test_every_relative_link_points_to_an_existing_file_and_heading(page):
    broken = []
    for path, fragment in relative_links(page):
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(f"{path}: no such file")
        elif fragment and target.suffix == ".md":
            anchors = {anchor(line) for _, line in headings(target.read_text(encoding="utf-8"))}
            if fragment not in anchors:
                broken.append(f"{path}#{fragment}: no such heading")
    assert not broken, f"{page.relative_to(REPO)}: " + "; ".join(broken)


def test_no_commit_hash_in_the_documentation():
    """Prose that names a commit goes stale; measured figures live in docs/PERFORMANCE*.md."""
    for page in pages():
        words = re.findall(r"(?<![\w:/.-])[0-9a-f]{7,40}(?![\w/.-])", page.read_text(encoding="utf-8"))
        hashes = [word for word in words if re.search(r"[a-f]", word) and re.search(r"\d", word)]
        assert not hashes, f"{page.relative_to(REPO)} names commits: {hashes}"
