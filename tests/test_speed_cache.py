"""Compiled template code kept between runs: used when the text and settings match, never for
a refused text, not in a folder others can write to, and the same bytes either way."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import jinja2
import pytest

from agreementgen.render import code_cache, guard
from agreementgen.render.sandbox import template_environment
from agreementgen.templates import resolve
from tests.conftest import MOU


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own; returns the folder its entries go in."""
    monkeypatch.setenv(code_cache.CACHE_VARIABLE, str(tmp_path / "cache"))
    monkeypatch.setattr(code_cache, "_stored", 0)
    where = code_cache.folder()
    assert where is not None
    return where


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts Jinja turns into Python code (the work the cache saves)."""
    made: list[str] = []
    original = jinja2.Environment._generate

    def counting(self: jinja2.Environment, source: Any, *args: Any, **kwargs: Any) -> str:
        made.append(str(source))
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "_generate", counting)
    return made


def test_a_text_compiled_before_is_not_compiled_again(cache: Path, generated: list[str]) -> None:
    text = "{% for p in partners %}{{ p.name }}; {% endfor %}"
    first = template_environment().from_string(text).render(partners=[{"name": "A & B"}])
    assert len(generated) == 1 and len(list(cache.iterdir())) == 1
    second = template_environment().from_string(text).render(partners=[{"name": "A & B"}])
    assert len(generated) == 1
    assert first == second == "A &amp; B; "


def test_other_settings_are_another_entry(cache: Path, generated: list[str]) -> None:
    template_environment().from_string("{{ x }}")
    template_environment(autoescape=False).from_string("{{ x }}")
    assert len(generated) == 2 and len(list(cache.iterdir())) == 2
    assert template_environment(autoescape=False).from_string("{{ x }}").render(x="<") == "<"


def test_a_refused_text_is_never_kept(cache: Path) -> None:
    for _ in range(2):
        with pytest.raises(guard.UnsafeTemplate):
            template_environment().from_string("{{ x.__class__ }}")
    assert list(cache.iterdir()) == []


def test_a_damaged_entry_is_compiled_again(cache: Path, generated: list[str]) -> None:
    template_environment().from_string("{{ x }}!")
    (entry,) = cache.iterdir()
    entry.write_bytes(b"not code")
    assert template_environment().from_string("{{ x }}!").render(x=1) == "1!"
    assert len(generated) == 2


def test_a_folder_others_can_write_to_is_not_used(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setenv(code_cache.CACHE_VARIABLE, str(shared))
    version = code_cache._versions()
    (shared / f"jinja-{version}").mkdir(mode=0o777)
    os.chmod(shared / f"jinja-{version}", 0o777)
    assert code_cache.folder() is None
    monkeypatch.setenv(code_cache.CACHE_VARIABLE, "0")
    assert code_cache.folder() is None


def test_the_agreement_is_the_same_with_and_without_the_cache(tmp_path: Path) -> None:
    outputs = []
    for number, setting in enumerate(["0", str(tmp_path / "cache"), str(tmp_path / "cache")]):
        out = tmp_path / f"{number}.docx"
        subprocess.run([sys.executable, "-m", "agreementgen", "generate", str(MOU), "-o",
                        str(out), "--quiet"], check=True, timeout=120,
                       env={**os.environ, code_cache.CACHE_VARIABLE: setting})
        outputs.append(out.read_bytes())
        if number == 1:
            assert any((tmp_path / "cache").glob("jinja-*/*"))  # filled by the first run
    assert outputs[0] == outputs[1] == outputs[2]


def test_a_template_part_is_patched_once_and_kept(cache: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """docxtpl's clean-up of a part runs once; a new compile takes the kept text, which is
    docxtpl's own result. A part the sandbox refuses is not kept."""
    from agreementgen.render import docx, docxtpl_text

    patched: list[str] = []
    real = docxtpl_text.DocxTemplate.patch_xml

    def counting(self: object, xml: str) -> str:
        patched.append(xml)
        return str(real(self, xml))

    monkeypatch.setattr(docxtpl_text.DocxTemplate, "patch_xml", counting)
    template = docx.CompiledTemplate(resolve(None, "mou").path)
    parts = len(patched)
    assert parts >= 2 and len(list(cache.iterdir())) > parts  # the parts and their code
    again = docx.CompiledTemplate(resolve(None, "mou").path)
    assert len(patched) == parts  # every part's clean-up taken from the cache
    assert [p.source for p in again._parts] == [p.source for p in template._parts]
    assert [p.source for p in again._parts] == [
        str(real(None, docx.template_part("t", p.name, template.member(p.name) or b"")[0]))
        for p in template._parts]
    monkeypatch.setattr(docxtpl_text, "source_key", lambda: "another docxtpl")
    docx.CompiledTemplate(resolve(None, "mou").path)
    assert len(patched) == 2 * parts  # another docxtpl: cleaned up again


def test_a_refused_template_part_is_not_kept(cache: Path, tmp_path: Path) -> None:
    """A part with an unsafe name is refused every time, and its clean-up is never kept."""
    from agreementgen.errors import TemplateError
    from agreementgen.render import docx
    from tests.broken_templates import DOCUMENT, edited

    unsafe = edited(tmp_path / "unsafe.docx", DOCUMENT, "{{ agreement.kind_label }}",
                    "{{ agreement.__class__ }}")
    for _ in range(2):
        with pytest.raises(TemplateError, match="__class__"):
            docx.CompiledTemplate(unsafe)
    with zipfile.ZipFile(unsafe) as archive:
        xml = docx.template_part("t", DOCUMENT, archive.read(DOCUMENT))[0]
    assert docx.patched_part(xml)[1] is not None  # not in the cache
