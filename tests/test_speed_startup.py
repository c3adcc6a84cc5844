"""A faster start: no python-docx when rendering, docxtpl's text rewrites taken from its source,
no garbage collection while YAML loads, a Markdown cache that holds a large description."""

from __future__ import annotations

import gc
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from docxtpl import DocxTemplate as Imported

from agreementgen import yaml_reader
from agreementgen.render import docxtpl_text
from agreementgen.render.markdown_tree import html_tree
from tests.conftest import COCOA, MOU, ROOT


def test_generate_imports_neither_python_docx_nor_docxtpl(tmp_path: Path) -> None:
    script = ("import sys\n"
              "from agreementgen.generate import generate\n"
              f"generate({str(MOU)!r}, {str(tmp_path / 'out.docx')!r})\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('docx', 'docxtpl')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "out.docx").is_file()


@pytest.mark.parametrize("template", sorted((ROOT / "templates").glob("*/template.docx")),
                         ids=lambda p: p.parent.name)
def test_the_rewrites_are_docxtpls_own(template: Path) -> None:
    assert docxtpl_text.DocxTemplate is not Imported  # taken from the source, not imported
    with zipfile.ZipFile(template) as archive:
        parts = [archive.read(n).decode("utf-8") for n in archive.namelist()
                 if n.startswith("word/") and n.endswith(".xml")]
    for xml in parts:
        assert docxtpl_text.DocxTemplate.patch_xml(None, xml) == Imported.patch_xml(None, xml)
    for text in ["<w:p><w:r><w:t>a\tb\nc\ad\fe</w:t></w:r></w:p>",
                 '<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>'
                 "<w:t>x\ny</w:t></w:r></w:p>"]:
        assert (docxtpl_text.DocxTemplate.resolve_listing(None, text)
                == Imported.resolve_listing(None, text))


def test_a_docxtpl_whose_methods_use_more_is_imported_as_usual(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "docxtpl"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "template.py").write_text(
        "import re\n\n\nclass DocxTemplate:\n"
        "    def patch_xml(self, src_xml):\n        return helper(src_xml)\n\n"
        "    def resolve_listing(self, xml):\n        return xml\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("docxtpl", package / "__init__.py")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    assert docxtpl_text._methods_from_source() is None  # 'helper' is not re
    assert docxtpl_text._docxtpl_class() is Imported


def test_yaml_loads_without_garbage_collection_and_restores_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    build = yaml_reader._build

    def watching(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return build(*args)

    monkeypatch.setattr(yaml_reader, "_build", watching)
    assert gc.isenabled()
    assert yaml_reader.load_yaml("a: [1, 2]") == {"a": [1, 2]}
    assert seen == [False] and gc.isenabled()
    with pytest.raises(yaml.YAMLError):
        yaml_reader.load_yaml("a: [1, 2")
    assert gc.isenabled()
    gc.disable()
    try:
        yaml_reader.load_yaml("a: 1")
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()


def test_the_markdown_cache_holds_a_description_of_2000_indicators(tmp_path: Path) -> None:
    from agreementgen.generate import generate

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_scaling import sized, write
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    large = write(sized(2000, 100), tmp_path / "large.yaml")  # over 2,048 texts
    generate(large, tmp_path / "a.docx")
    generate(COCOA, tmp_path / "b.docx")
    misses = html_tree.cache_info().misses
    generate(large, tmp_path / "c.docx")
    assert html_tree.cache_info().misses == misses  # every text of it was still there
