"""Loading descriptions: formats, safe YAML, and errors with their places."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agreementgen.errors import InputError
from agreementgen.loading import load
from tests.conftest import COCOA


def problem_of(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        load(path)
    assert len(caught.value.problems) == 1
    return caught.value.problems[0].format()


def test_yaml_json_and_toml_load_to_the_same_data(tmp_path: Path, cocoa_data: dict) -> None:
    import tomli_w

    (tmp_path / "a.json").write_text(json.dumps(cocoa_data), encoding="utf-8")
    (tmp_path / "a.toml").write_text(tomli_w.dumps(cocoa_data), encoding="utf-8")
    assert load(tmp_path / "a.json").data == cocoa_data
    assert load(tmp_path / "a.toml").data == cocoa_data


def test_dates_stay_text_so_the_schema_checks_them(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("a: 2026-02-30\nb: 2026-01-01\n", encoding="utf-8")
    assert load(path).data == {"a": "2026-02-30", "b": "2026-01-01"}


def test_duplicate_key_is_reported_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("agreement:\n  title: A\n  title: B\n", encoding="utf-8")
    assert problem_of(path) == (
        f"{path}:3:3: key 'title' appears twice in the same mapping (first on line 2); keep one")


def test_duplicate_key_in_json(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"a": 1,\n "a": 2}', encoding="utf-8")
    assert problem_of(path).startswith(f"{path}:2:2: key 'a' appears twice")


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("agreement:\n  title: [unclosed\n  binding: x\n", encoding="utf-8")
    message = problem_of(path)
    assert message.startswith(f"{path}:3:")
    assert "YAML syntax error" in message


def test_json_and_toml_syntax_errors_have_places(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"a": 1,\n "b": }', encoding="utf-8")
    assert problem_of(tmp_path / "bad.json").startswith(
        f"{tmp_path / 'bad.json'}:2:7: JSON syntax error")
    (tmp_path / "bad.toml").write_text("a = 1\nb = = 2\n", encoding="utf-8")
    assert problem_of(tmp_path / "bad.toml").startswith(f"{tmp_path / 'bad.toml'}:2:")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.yaml", "", "the file is empty"),
        ("blank.yaml", "  \n\n", "the file is empty"),
        ("list.yaml", "- a\n- b\n", "must be a mapping of sections"),
        ("scalar.json", '"text"', "must be a mapping of sections"),
        ("notes.txt", "a: 1", "unknown file type '.txt'"),
        ("bool-key.yaml", "yes: 1\n", "key True is not text"),
    ],
)
def test_unusable_files_get_one_clear_message(tmp_path: Path, name: str, content: str,
                                              expected: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert expected in problem_of(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "file not found" in problem_of(tmp_path / "nope.yaml")
    assert "this is a folder" in problem_of(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    assert "not UTF-8" in problem_of(path)


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "expands to more than" in problem_of(path)


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="more than the limit of 1000 bytes"):
        load(path, max_bytes=1000)


def test_locate_points_at_fields() -> None:
    source = load(COCOA)
    lines = COCOA.read_text(encoding="utf-8").splitlines()
    line, _ = source.locate(("partners", 1, "name"))
    assert line is not None
    assert "Nkabom Cocoa Farmers' Cooperative Union Ltd." in lines[line - 1]


def test_anchors_aliases_and_merge_keys(tmp_path: Path) -> None:
    path = tmp_path / "shared.yaml"
    path.write_text("base: &b {country: GH, tags: [a]}\nsame: *b\n"
                    "child:\n  <<: *b\n  name: X\n", encoding="utf-8")
    data = load(path).data
    assert data["child"] == {"country": "GH", "tags": ["a"], "name": "X"}
    assert data["same"] is data["base"]
    assert data["child"]["tags"] is data["base"]["tags"]


def test_a_key_that_overrides_a_merged_key_is_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "override.yaml"
    path.write_text("base: &b {country: GH}\nchild:\n  <<: *b\n  country: NL\n", encoding="utf-8")
    assert problem_of(path) == (f"{path}:4:3: key 'country' appears twice in the same mapping "
                                "(first on line 1); keep one")


@pytest.mark.parametrize(("text", "tag", "place"), [
    ("a: 1\nb: !!set\n  - x\n  - y\n", "!!set", "2:4"),
    ("agreement: !!map [x, y]\n", "!!map", "1:12"),
    ("agreement:\n  notice: !!int ninety\n", "!!int", "2:11"),
    ("agreement:\n  signed: !!bool maybe\n", "!!bool", "2:11"),
    ("agreement:\n  date: !!timestamp soon\n", "!!timestamp", "2:9"),
])
def test_a_tag_that_does_not_fit_its_value_is_refused(tmp_path: Path, text: str, tag: str,
                                                      place: str) -> None:
    path = tmp_path / "tagged.yaml"
    path.write_text(text, encoding="utf-8")
    assert problem_of(path) == (f"{path}:{place}: the YAML tag {tag} does not fit the value it "
                                "marks; remove the tag")


def test_places_come_from_the_tree_read_with_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    source = load(COCOA)

    def no_second_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the text was parsed again")

    monkeypatch.setattr(yaml, "compose", no_second_parse)
    line, _ = source.locate(("partners", 1, "name"))
    assert line is not None
    assert "Nkabom" in COCOA.read_text(encoding="utf-8").splitlines()[line - 1]
