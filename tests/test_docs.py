"""The docs agree with the code they describe, and the site builds from them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from mlops_scaffold.cli import app
from mlops_scaffold.create import create_project
from mlops_scaffold.levels import LEVELS
from tests.support.doc_commands import PAGES, ROOT, run_page, shell_blocks


class _Assets(HTMLParser):
    """Collects the scripts and stylesheets a page loads, and its element ids."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag == "script" and attributes.get("src"):
            self.loaded.append(str(attributes["src"]))
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.loaded.append(str(attributes["href"]))


def _parse(page: Path) -> _Assets:
    parser = _Assets()
    parser.feed(page.read_text())
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with `mkdocs build --strict` (a warning fails the build)."""
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr[-4000:]}"
    return out


def test_levels_page_matches_the_layer_metadata() -> None:
    page = (ROOT / "docs" / "levels.md").read_text()
    block = re.search(r"<!-- levels:start -->\n(.*)<!-- levels:end -->", page, re.S)
    assert block, "docs/levels.md lost its generated block"
    expected = CliRunner().invoke(app, ["levels", "--markdown"]).output
    assert block.group(1).strip() == expected.strip(), (
        "docs/levels.md is stale: regenerate it with `mlops-scaffold levels --markdown`"
    )


def test_readme_opens_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```bash") + 1 : lines.index("```")]
    assert [line.split()[:2] for line in block] == [["make", "demo"], ["make", "test"]]
    assert (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "make test"


def _commands() -> dict[str, Any]:
    """The app's commands by name, as typer builds them for `--help`."""
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup) and group.commands, "the app has no commands"
    return dict(group.commands)


def test_every_page_is_in_the_navigation(site: Path) -> None:
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    nav = (ROOT / "mkdocs.yml").read_text()
    assert [page for page in sorted(pages) if f": {page}\n" not in nav] == []
    assert (site / "reference" / "cli" / "index.html").is_file()


def test_cli_reference_documents_every_command_from_the_app(site: Path) -> None:
    page = site / "reference" / "cli" / "index.html"
    ids, text = _parse(page).ids, page.read_text()
    for name, command in _commands().items():
        assert f"mlops-scaffold-{name}" in ids, f"no section for `mlops-scaffold {name}`"
        for option in command.params:
            for flag in option.opts:
                assert flag in text, f"`mlops-scaffold {name}` option {flag} is not documented"


def test_the_documented_page_addresses_exist(site: Path) -> None:
    hosting = (ROOT / "docs" / "hosting.md").read_text()
    addresses = re.findall(r"`<docs_url>/([^`#]*)(?:#([^`]+))?`", hosting)
    assert len(addresses) >= 10, "docs/hosting.md lost its table of page addresses"
    for path, anchor in addresses:
        page = site / path / "index.html"
        assert page.is_file(), f"<docs_url>/{path} is documented but not built"
        ids = _parse(page).ids
        for name in _commands() if "<command>" in anchor else [""]:
            expected = anchor.replace("<command>", name)
            assert not expected or expected in ids, f"<docs_url>/{path}#{expected} is missing"


def test_pages_load_nothing_from_the_network(site: Path) -> None:
    """Fonts, scripts and stylesheets are local; mermaid is the local copy, not the CDN's."""
    pages = sorted(site.rglob("*.html"))
    remote = {
        f"{page.relative_to(site)}: {asset}"
        for page in pages
        for asset in _parse(page).loaded
        if re.match(r"(https?:)?//", asset)
    }
    assert remote == set()
    with_diagrams = [page for page in pages if '<pre class="mermaid">' in page.read_text()]
    assert {page.parent.name for page in with_diagrams} >= {site.name, "upgrading"}
    for page in with_diagrams:
        assert any(a.endswith("javascripts/mermaid.min.js") for a in _parse(page).loaded), page


def test_the_diagrams_are_the_promised_ones(site: Path) -> None:
    home = (site / "index.html").read_text()
    upgrading = (site / "upgrading" / "index.html").read_text()
    assert re.search(r'<pre class="mermaid"><code>flowchart LR.*Level 3', home, re.S)
    assert re.search(r'<pre class="mermaid"><code>flowchart TD.*git merge', upgrading, re.S)
    assert re.search(
        r'<pre class="mermaid"><code>gitGraph.*mlops-scaffold/template', upgrading, re.S
    )


def test_every_shell_block_of_the_run_pages_is_marked() -> None:
    blocks = [block for page in PAGES for block in shell_blocks(page)]
    assert [block.where for block in blocks if not block.marker] == []
    assert {block.marker for block in blocks} >= {"fast", "integration"}


def generated_projects(page: Path, markers: set[str]) -> list[str]:
    """The projects the page's blocks with these markers create with `mlops-scaffold new`."""
    return [
        name
        for block in shell_blocks(page)
        if block.marker in markers
        for name in re.findall(r"mlops-scaffold new (\S+)", block.commands)
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_the_documented_commands_work(page: Path, tmp_path: Path) -> None:
    """The page's `fast` blocks, as a reader would type them (its other blocks install)."""
    output = run_page(page, {"fast"}, home=tmp_path, timeout=300)
    projects = generated_projects(page, {"fast"})
    assert projects, f"{page.name} generates no project in its fast blocks"
    for name in projects:
        assert (tmp_path / name / ".mlops-scaffold.yml").is_file(), output


@pytest.mark.parametrize("level", LEVELS)
def test_generated_readmes_link_to_pages_that_exist(site: Path, level: int, tmp_path: Path) -> None:
    project = tmp_path / "linked"
    create_project(
        project, {"level": level, "docs_url": "https://docs.example.org/ms"}, use_git=False
    )
    readme = (project / "README.md").read_text("utf-8")
    links = re.findall(r"\]\(https://docs\.example\.org/ms/([^)#]*)(?:#([^)]+))?\)", readme)
    assert len(links) == 2, readme
    for path, anchor in links:
        page = site / path / "index.html"
        assert page.is_file(), path
        assert not anchor or anchor in _parse(page).ids, f"{path}#{anchor}"


def test_without_a_docs_url_the_readme_has_no_links(tmp_path: Path) -> None:
    create_project(tmp_path / "plain", {"level": 1}, use_git=False)
    assert "/levels/#level-" not in (tmp_path / "plain" / "README.md").read_text("utf-8")
