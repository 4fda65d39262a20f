"""``newsspider validate``: every line of every record file checked against data/schema.json."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from newsspider.cli import main
from tests.test_dataset import article, build_dataset, line, write

if TYPE_CHECKING:
    from pathlib import Path


def validate(data: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str]]:
    code = main(["validate", str(data), *extra])
    return code, capsys.readouterr().out.splitlines()


def test_clean_folder_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    build_dataset(data)
    code, out = validate(data, capsys, "--site", "shanxi-gov", "--site", "henan-gov")
    assert code == 0
    assert out == [f"checked 6 lines in 3 files under {data}: all valid"]


def test_each_bad_line_is_named_with_its_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    good = article("sxrb", "content/1.htm", "全省秋粮收获进度过九成", "2020-10-01")
    wrong_type = json.loads(line(article("sxrb", "content/2.htm", "黄河流域生态保护", "2020-10-02")))
    wrong_type["authors"] = "王晓明、李华"  # a string where the schema wants a list of names
    unknown = json.loads(line(good))
    unknown["crawled_at"] = "2026-11-20T02:00:00Z"  # a field the schema does not know
    no_url = json.loads(line(good))
    del no_url["url"]
    nested = json.loads(line(good))
    nested["images"] = [{"alt": "会议现场"}]  # an image without its url
    tail = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (wrong_type, unknown, no_url, nested))
    path = write(data, "sxrb/2026-11-20.jsonl", good, tail=tail + line(good)[:40])
    code, out = validate(data, capsys)
    assert code == 1
    assert out[0] == f"{path}:2: authors: '王晓明、李华' is not of type 'array'"
    assert out[1].startswith(f"{path}:3: Additional properties are not allowed ('crawled_at' was unexpected)")
    assert out[2] == f"{path}:4: 'url' is a required property"
    assert out[3] == f"{path}:5: images/0: 'url' is a required property"
    assert out[4] == f"{path}:6: torn last line (incomplete write)"
    assert out[5] == f"checked 6 lines in 1 files under {data}: 5 bad"


def test_torn_line_after_a_crash_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    build_dataset(data)
    code, out = validate(data, capsys)
    assert code == 1
    assert out[0] == f"{data / 'sxrb' / '2026-11-20.worker-2.jsonl'}:2: torn last line (incomplete write)"
    assert out[-1] == f"checked 8 lines in 4 files under {data}: 1 bad"


def test_several_errors_in_one_record_are_capped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    record = json.loads(line(article("sxrb", "content/1.htm", "标题", None)))
    record.update(title=None, text=None, version="2", paragraphs="正文", schema_version="1")
    write(data, "sxrb/2026-11-20.jsonl", tail=json.dumps(record, ensure_ascii=False) + "\n")
    code, out = validate(data, capsys)
    assert code == 1
    assert out[0].count(";") == 2
    assert out[0].endswith("(and 2 more)")


def test_explicit_schema_and_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    write(data, "sxrb/2026-11-20.jsonl", article("sxrb", "content/1.htm", "标题", None))
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"type": "object", "required": ["lead_image"]}), encoding="utf-8")
    code, out = validate(data, capsys, "--schema", str(strict))
    assert code == 1
    assert "'lead_image' is a required property" in out[0]
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert "no data folder" in capsys.readouterr().err


def test_a_folder_without_record_files_is_a_usage_error_not_all_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The usual slip: the parent of the data folders (one per crawl) instead of one of them.
    parent = tmp_path / "crawls"
    build_dataset(parent / "2026-11")
    code = main(["validate", str(parent)])
    captured = capsys.readouterr()
    assert code == 2  # EXIT_CONFIG: a wrong argument, nothing was checked
    assert captured.out == ""
    assert captured.err.splitlines() == [
        (
            f"newsspider validate: no record files under {parent} (is it a newsspider data folder? it should hold "
            f"<site>/<date>.jsonl); data folders below it: {parent / '2026-11'}"
        )
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["validate", str(empty)]) == 2
    assert capsys.readouterr().err.startswith(f"newsspider validate: no record files under {empty} (")


def test_a_misspelt_site_names_the_sites_there(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    build_dataset(data)
    assert main(["validate", str(data), "--site", "shanxi"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        (
            f"newsspider validate: no record files for site shanxi under {data} "
            "(sites there: henan-gov, shanxi-gov, sxrb)"
        )
    ]


@pytest.mark.parametrize("command", ["validate", "export"])
def test_a_misspelt_site_beside_a_good_one_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # Checking or exporting shanxi-gov alone, while the user asked for sxrb too, would pass for both.
    data = tmp_path / "data"
    build_dataset(data)
    extra = ["--out", str(tmp_path / "x.jsonl")] if command == "export" else []
    assert main([command, str(data), "--site", "shanxi-gov", "--site", "srxb", *extra]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"newsspider {command}: no record files for site srxb under {data} (sites there: henan-gov, shanxi-gov, sxrb)"
    ]
    assert not (tmp_path / "x.jsonl").exists()
