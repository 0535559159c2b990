"""The kit stands alone: its documentation is in the repository, and the code cannot drift from it silently.

- no tracked file points at a file users never receive (the team's research
  notes and contract draft, a sibling ``shared`` folder, a machine path);
- every ``docs/sources.md §N.M`` citation anywhere in the tree names a
  section that docs/sources.md has;
- every relative link in a Markdown page of the repository (docs/*.md, the
  README, the READMEs beside the code and data) leads to a file (and, with
  ``#anchor``, to a heading of that file);
- docs/contract.md describes every column of every file spec the code
  knows, and the findings vocabulary.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import subprocess
from pathlib import Path

import pytest

import recoup_lib
from recoup_lib.rules import ACTIONS, CATEGORIES, ERROR_TYPES
from recoup_lib.schema import ERROR_TYPE_NAMES, FileSpec

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CONTRACT = DOCS / "contract.md"
SOURCES = DOCS / "sources.md"

# Built from parts so that this file does not trip its own check.
FORBIDDEN = ("DOMAIN" + ".md", "CONTRACT" + ".md", ".." + "/shared", "/" + "work/")

SECTION_MARK = "\u00a7"  # the section sign


#: Folders a checkout may hold that git ignores (.gitignore): outside a git clone they are skipped.
_IGNORED_DIRS = {"__pycache__", "build", "out", "tmp", "node_modules", "test-artifacts", "answers", "artifacts"}


def tracked_files() -> list[Path]:
    """Files git tracks in this checkout; outside a git clone, the tree minus what .gitignore leaves out."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        files = [ROOT / name for name in out.decode("utf-8").split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for folder, dirs, names in os.walk(ROOT):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _IGNORED_DIRS
                       and not d.endswith(".egg-info")]
            files.extend(Path(folder) / n for n in names if n != ".git")
    return [f for f in files if f.is_file()]


def text_of(path: Path) -> str:
    """A file's text; for a notebook, its cells' sources (what a reader sees), else the raw text."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(raw)["cells"]
        except (ValueError, KeyError):
            return raw
        parts = []
        for cell in cells:
            source = cell.get("source", "")
            parts.append(source if isinstance(source, str) else "".join(source))
            for output in cell.get("outputs", []):
                parts.append(json.dumps(output))
        return "\n".join(parts)
    return raw


# --- (a) nothing outside the repository --------------------------------------------------------


def test_no_tracked_file_cites_files_outside_the_repository():
    offenders = []
    for path in tracked_files():
        raw = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(raw.splitlines(), start=1):
            for needle in FORBIDDEN:
                if needle in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {needle!r}: {line.strip()[:120]}")
    assert not offenders, "files users receive must cite docs/ or a public URL:\n" + "\n".join(offenders)


# --- (b) every docs/sources.md section cited exists ----------------------------------------------

_HEADING = re.compile(r"^(#{2,3})\s+(\d+)(?:\.(\d+))?\.?\s", re.MULTILINE)
_NUM = r"\d+(?:\.\d+)?"
_SEP = r"\s*(?:-|\u2013|,|and|&)\s*(?:" + SECTION_MARK + r"+\s*)?"
_CITATION = re.compile(
    r"sources\.md"
    r"[\s`'\"#*(),:]{0,12}"                          # closing quote, bracket, comment marker, line break
    r"(?:" + SECTION_MARK + r"+\s*|sections?\s+)"    # "§", "§§", "section", "sections"
    r"(" + _NUM + r"(?:" + _SEP + _NUM + r")*)"
)


def sources_sections() -> set[str]:
    """'1', '1.1', ... for every numbered heading of docs/sources.md (## N. and ### N.M)."""
    found = set()
    for hashes, major, minor in _HEADING.findall(SOURCES.read_text(encoding="utf-8")):
        if len(hashes) == 2 and not minor:
            found.add(major)
        elif len(hashes) == 3 and minor:
            found.add(f"{major}.{minor}")
    return found


def cited_sections(text: str) -> list[tuple[int, str, list[str]]]:
    """(line, citation text, section numbers) for every docs/sources.md citation in ``text``.

    Ranges name both ends and every section in between when both ends share
    a chapter (``5.2-5.5`` -> 5.2, 5.3, 5.4, 5.5; ``1-2`` -> 1, 2).
    """
    out = []
    for match in _CITATION.finditer(text):
        numbers: list[str] = []
        body = match.group(1)
        tokens = re.split(r"(" + _SEP + r")", body)
        items = tokens[0::2]
        seps = tokens[1::2]
        numbers.append(items[0])
        for sep, item in zip(seps, items[1:]):
            if re.search(r"-|\u2013", sep):
                numbers.extend(_expand(numbers[-1], item))
            else:
                numbers.append(item)
        line = text.count("\n", 0, match.start()) + 1
        out.append((line, match.group(0).replace("\n", " "), numbers))
    return out


def _expand(start: str, end: str) -> list[str]:
    a, b = start.split("."), end.split(".")
    if len(a) == len(b) == 2 and a[0] == b[0] and int(a[1]) < int(b[1]):
        return [f"{a[0]}.{m}" for m in range(int(a[1]) + 1, int(b[1]) + 1)]
    if len(a) == len(b) == 1 and int(a[0]) < int(b[0]):
        return [str(m) for m in range(int(a[0]) + 1, int(b[0]) + 1)]
    return [end]


def test_sources_has_the_numbered_sections_the_kit_cites():
    sections = sources_sections()
    assert {str(n) for n in range(1, 13)} <= sections
    for sub in ("1.1", "1.5", "4.4", "5.1", "5.5", "6.3", "7.3", "9.3", "10.2"):
        assert sub in sections


@pytest.mark.parametrize("example, expected", [
    ("docs/sources.md " + SECTION_MARK + "5.3", ["5.3"]),
    ("docs/sources.md " + SECTION_MARK + "1.1-1.4", ["1.1", "1.2", "1.3", "1.4"]),
    ("docs/sources.md " + SECTION_MARK * 2 + "1.1, 1.3 and 2", ["1.1", "1.3", "2"]),
    ("docs/sources.md\n    # " + SECTION_MARK + "9.2: 10-40%", ["9.2"]),
    ("``docs/sources.md`` sections 5.1, 5.3, 6 and 10", ["5.1", "5.3", "6", "10"]),
    ("docs/sources.md " + SECTION_MARK + "1-2 and 8", ["1", "2", "8"]),
])
def test_citation_parser_reads_the_forms_used_in_the_tree(example, expected):
    assert [n for _, _, numbers in cited_sections(example) for n in numbers] == expected


def test_every_sources_citation_in_the_tree_resolves():
    sections = sources_sections()
    unresolved, count = [], 0
    for path in tracked_files():
        if path == Path(__file__).resolve():
            continue
        for line, citation, numbers in cited_sections(text_of(path)):
            count += 1
            missing = [n for n in numbers if n not in sections]
            if missing:
                unresolved.append(f"{path.relative_to(ROOT)}:{line}: {citation!r} -> no section {missing}")
    assert count > 100, f"only {count} citations found: is the parser still reading them?"
    assert not unresolved, "citations of sections docs/sources.md does not have:\n" + "\n".join(unresolved)


# --- (c) links in the documentation lead somewhere --------------------------------------------------

_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a file's headings (lower case, punctuation dropped, spaces to hyphens)."""
    anchors, seen = set(), {}
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if in_code or not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def documentation_pages() -> list[Path]:
    """Every Markdown page of the repository: docs/, the README and the READMEs beside the code,
    the exercises and the data (users follow their links too)."""
    return sorted(f for f in tracked_files() if f.suffix == ".md")


def test_docs_pages_exist():
    for name in ("README.md", "contract.md", "sources.md", "your-own-data.md"):
        assert (DOCS / name).is_file(), name


@pytest.mark.parametrize("page", documentation_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
            continue
        if anchor and dest.suffix == ".md" and anchor not in github_anchors(dest.read_text(encoding="utf-8")):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, f"{page.relative_to(ROOT)}:\n" + "\n".join(broken)


#: Publishers whose pages docs/sources.md may link: the official text itself (docs/sources.md, "How to read
#: this page"). Any host under .gov, or a state government's .state.XX.us, is official; besides those:
PRIMARY_HOSTS = {
    "x12.org": "X12, the standard's publisher (code lists, transaction sets, interpretations)",
    "ama-assn.org": "the AMA, which publishes CPT and its own policies",
    "cgsmedicare.com": "CGS, a Medicare Administrative Contractor",
    "ngsmedicare.com": "NGS, a Medicare Administrative Contractor",
    "palmettogba.com": "Palmetto GBA, a Medicare Administrative Contractor",
    "fcso.com": "First Coast Service Options, a Medicare Administrative Contractor",
    "noridianmedicare.com": "Noridian, a Medicare Administrative Contractor",
}
#: An address written without its scheme (``site.com/path``): not a link, and not checkable as one.
_BARE_ADDRESS = re.compile(r"(?<![/\w.@-])(?:[a-z0-9-]+\.)+(?:com|org|gov|net|us|edu|info|tips)/[^\s),;\]]*")
_URL = re.compile(r"https?://[^\s<>`\"')\]]+")


def _primary_host(host: str) -> bool:
    labels = host.lower().split(".")
    return (labels[-1] == "gov" or (labels[-1] == "us" and "state" in labels)
            or any(host.lower() == name or host.lower().endswith("." + name) for name in PRIMARY_HOSTS))


def test_every_address_in_sources_is_a_well_formed_link_to_a_primary_source():
    """docs/sources.md links only the official texts (secondary sources are named, with their status, not
    linked), each as a whole https address; an address written without its scheme is no link at all."""
    from urllib.parse import urlsplit

    text = SOURCES.read_text(encoding="utf-8")
    wrong = [f"written without https://: {bare}" for bare in _BARE_ADDRESS.findall(text)]
    urls = [url.rstrip(".,;:") for url in _URL.findall(text)]
    assert len(urls) > 80, f"only {len(urls)} addresses found: is the pattern still reading them?"
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme != "https" or "." not in parts.netloc or parts.netloc != parts.netloc.strip():
            wrong.append(f"not a whole https address: {url}")
        elif url.count("(") != url.count(")"):
            wrong.append(f"unbalanced parenthesis: {url}")
        elif not _primary_host(parts.hostname or ""):
            wrong.append(f"not a primary publisher ({parts.hostname}): {url}")
    assert not wrong, "docs/sources.md:\n" + "\n".join(wrong)


# --- (d) contract.md describes every column the code knows ------------------------------------------


def known_file_specs() -> dict[str, list[FileSpec]]:
    """Every module-level FileSpec in recoup_lib (alone or in a dict, list or tuple), by file name."""
    specs: dict[str, list[FileSpec]] = {}

    def add(value):
        if isinstance(value, FileSpec):
            if not any(value is s for s in specs.get(value.name, [])):
                specs.setdefault(value.name, []).append(value)
        elif isinstance(value, dict):
            for v in value.values():
                if isinstance(v, FileSpec):
                    add(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, FileSpec):
                    add(v)

    names = ["recoup_lib"] + [m.name for m in pkgutil.walk_packages(recoup_lib.__path__, "recoup_lib.")
                              if not m.name.endswith("__main__")]
    for name in names:
        module = importlib.import_module(name)
        for value in vars(module).values():
            add(value)
    return specs


def contract_blocks(name: str, contract: str) -> str:
    """The parts of contract.md about file ``name``.

    The sections whose heading names it in backticks (`` `name` `` or
    `` `OUT/name` ``), plus any other line that names it so (a table row).
    """
    mention = re.compile(r"`(?:OUT/)?" + re.escape(name) + r"`")
    lines = contract.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        line = lines[i]
        heading = re.match(r"^(#{1,6})\s", line)
        if heading and mention.search(line):
            level = len(heading.group(1))
            j = i + 1
            while j < len(lines):
                other = re.match(r"^(#{1,6})\s", lines[j])
                if other and len(other.group(1)) <= level:
                    break
                j += 1
            blocks.extend(lines[i:j])
            i = j
            continue
        if mention.search(line):
            blocks.append(line)
        i += 1
    return "\n".join(blocks)


def test_contract_describes_every_column_of_every_file_spec():
    contract = CONTRACT.read_text(encoding="utf-8")
    specs = known_file_specs()
    assert {"claim_lines.csv", "payments.csv", "notices.csv", "payers.csv", "findings.csv"} <= set(specs)
    missing = []
    for name, versions in sorted(specs.items()):
        block = contract_blocks(name, contract)
        if not block:
            missing.append(f"{name}: not described (no heading or table row naming `{name}`)")
            continue
        for spec in versions:
            for column in spec.column_names:
                if not re.search(r"(?<![\w])" + re.escape(column) + r"(?![\w])", block):
                    missing.append(f"{name}: column {column!r}")
    assert not missing, "docs/contract.md does not describe:\n" + "\n".join(missing)


def test_contract_states_the_findings_vocabulary():
    contract = CONTRACT.read_text(encoding="utf-8")
    findings = contract_blocks("findings.csv", contract) + contract[contract.index("## Findings"):]
    assert tuple(ERROR_TYPES) == ERROR_TYPE_NAMES  # the rules' vocabulary is the one files are read in
    for error_type, category in ERROR_TYPES.items():
        assert re.search(rf"\| {error_type} \| {category} \|", findings), error_type
    for category in CATEGORIES:
        assert re.search(rf"\| {category} \| {re.escape(ACTIONS[category])} \|", findings), category


def test_every_page_saying_serial_dates_count_from_1904_names_the_workbooks_that_do():
    """Only an .xlsx, .xlsm or .ods tells its day zero (recoup_lib/ingest/_workbook.py ``_day_zero``); an
    .xls or .xlsb is read in the 1900 system. contract.md and your-own-data.md said any workbook saved in
    the 1904 date system was read from 1904."""
    vague = []
    for page in documentation_pages():
        for paragraph in re.split(r"\n\s*\n", page.read_text(encoding="utf-8")):
            words = " ".join(paragraph.split())
            if "1904 date system" in words and "an `.xls` or `.xlsb` is read in the usual 1900 system" not in words:
                vague.append(f"{page.relative_to(ROOT)}: {words[:120]}")
    assert not vague, "says 1904 serial dates without the workbooks it applies to:\n" + "\n".join(vague)


def test_contract_and_sources_list_the_same_ncci_associated_modifiers():
    contract = CONTRACT.read_text(encoding="utf-8")
    sources = SOURCES.read_text(encoding="utf-8")
    in_contract = re.search(r"NCCI-associated modifier: ([^|]+?) \|", contract).group(1)
    in_sources = re.search(r"The kit's unbundling rule uses exactly this list: ([^.]+)\.", sources).group(1)
    as_set = lambda text: {m.strip() for m in re.split(r",\s*", re.sub(r"\s+", " ", text))}  # noqa: E731
    assert as_set(in_contract) == as_set(in_sources)
    assert {"59", "XE", "XS", "XP", "XU", "25", "LM", "RI", "E1-E4", "F1-F9", "T1-T9"} <= as_set(in_contract)


def test_the_rule_and_the_generator_use_the_documented_ncci_associated_modifiers():
    from recoup_lib.rules import BYPASS_MODIFIERS, NCCI_ASSOCIATED_MODIFIERS_TEXT
    from recoup_lib.synthetic._inject_lines import _BYPASS

    sources = SOURCES.read_text(encoding="utf-8")
    in_sources = re.search(r"The kit's unbundling rule uses exactly this list: ([^.]+)\.", sources).group(1)
    as_set = lambda text: {m.strip() for m in re.split(r",\s*", re.sub(r"\s+", " ", text))}  # noqa: E731
    assert as_set(in_sources) == as_set(NCCI_ASSOCIATED_MODIFIERS_TEXT)
    # 59 and X{EPSU}; 8 global-surgery and other; RT LT; E1-E4, FA, F1-F9, TA, T1-T9; 5 coronary.
    assert len(BYPASS_MODIFIERS) == 5 + 8 + 2 + 4 + 1 + 9 + 1 + 9 + 5
    assert {"E2", "F9", "FA", "T1", "TA", "LM", "RI", "25", "91"} <= BYPASS_MODIFIERS
    assert not {"26", "76", "E5", "F0", "GA"} & BYPASS_MODIFIERS
    for modifiers in ("25", "RT;59", "LT", "F3", "XU"):
        assert re.search(_BYPASS, modifiers), modifiers
    for modifiers in ("26", "76", "E5", "GA;26", "XUX"):
        assert not re.search(_BYPASS, modifiers), modifiers
