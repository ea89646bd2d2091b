"""The ``suishenban-county`` command: listing the catalogue and checking a version before publishing it."""

from __future__ import annotations

import json

from county import cli
from resources import read_json


def test_catalogue_lists_the_twenty_items_with_points_and_units(capsys):
    assert cli.main(["catalogue"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "共 20 项" in out[0] and len(out) == 21
    assert "临时占用城市道路、挖掘城市道路" in out[20] and "5 积分" in out[20] and "县城管局" in out[20]


def test_a_good_catalogue_file_passes_with_its_fingerprint(tmp_path, capsys):
    path = tmp_path / "catalogue.json"
    path.write_text(
        json.dumps(read_json("catalogue", "2024.1", "catalogue.json"), ensure_ascii=False), encoding="utf-8"
    )
    assert cli.main(["check-catalogue", str(path)]) == 0
    assert "检查通过" in capsys.readouterr().out


def test_a_catalogue_with_wrong_points_is_refused_in_chinese(tmp_path, capsys):
    data = read_json("catalogue", "2024.1", "catalogue.json")
    data["items"][0]["points"] = 3
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cli.main(["check-catalogue", str(path)]) == cli.EXIT_FAILED
    assert "不能发布" in capsys.readouterr().out


def test_a_file_that_is_not_json_gets_a_plain_message(tmp_path, capsys):
    path = tmp_path / "catalogue.json"
    path.write_bytes(b"\xff\xfe not json")
    assert cli.main(["check-catalogue", str(path)]) == cli.EXIT_FAILED
    assert "UTF-8" in capsys.readouterr().out
