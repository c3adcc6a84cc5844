"""agreementgen's own YAML data files are kept, as loaded, in the user's cache."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agreementgen import resources
from agreementgen.resources import locale_dir


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AGREEMENTGEN_CACHE", str(folder))
    resources.load_yaml.cache_clear()
    yield folder
    resources.load_yaml.cache_clear()


def test_a_kept_file_reads_as_the_yaml_it_was_made_from(cache: Path) -> None:
    path = locale_dir("nl") / "clauses.yaml"
    first = resources.load_yaml(path)
    kept = list(cache.glob("data-*/*"))
    assert len(kept) == 1
    resources.load_yaml.cache_clear()
    second = resources.load_yaml(path)
    assert second == first == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_an_edited_file_is_read_again(cache: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "package"
    (package / "agreementgen").mkdir(parents=True)
    data = package / "data.yaml"
    data.write_text("a: 1\n", encoding="utf-8")
    monkeypatch.setattr(resources, "_PACKAGE", package / "agreementgen")
    assert resources.load_yaml(data) == {"a": 1}
    resources.load_yaml.cache_clear()
    data.write_text("a: 2\nb: [x]\n", encoding="utf-8")
    assert resources.load_yaml(data) == {"a": 2, "b": ["x"]}


def test_files_from_elsewhere_and_data_marshal_cannot_hold_are_not_kept(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "manifest.yaml"
    outside.write_text("name: x\n", encoding="utf-8")
    assert resources.load_yaml(outside) == {"name": "x"}
    package = tmp_path / "package"
    (package / "agreementgen").mkdir(parents=True)
    dated = package / "dated.yaml"
    dated.write_text("when: 2026-11-30\n", encoding="utf-8")
    monkeypatch.setattr(resources, "_PACKAGE", package / "agreementgen")
    assert str(resources.load_yaml(dated)["when"]) == "2026-11-30"
    assert list(cache.glob("data-*/*")) == []


def test_no_cache_when_it_is_turned_off(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGREEMENTGEN_CACHE", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    resources.load_yaml.cache_clear()
    try:
        assert resources.load_yaml(locale_dir("en") / "labels.yaml")
    finally:
        resources.load_yaml.cache_clear()
    assert not any(tmp_path.rglob("data-*"))
