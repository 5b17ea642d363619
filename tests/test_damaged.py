"""Learner-facing errors on damaged copies of the data: clear, located, and harmless."""

from __future__ import annotations

import hashlib
import shutil

import pytest

import coursekit as ck
from coursekit._testing import load_cached as _load_cached


@pytest.fixture
def copy(tmp_path, monkeypatch, root):
    target = tmp_path / "datasets"
    shutil.copytree(root / "datasets", target)
    monkeypatch.setenv("COURSEKIT_DATA", str(target))
    _load_cached.cache_clear()
    yield target
    _load_cached.cache_clear()


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_bad_date_names_file_line_column_and_expectation(copy):
    path = copy / "nuclear_tests.csv"
    _edit(path, "2013-02-12,", "12/02/2013,")
    before = _digest(path)
    with pytest.raises(ck.DatasetError) as err:
        ck.load("nuclear_tests")
    text = str(err.value)
    assert "nuclear_tests.csv" in text and "line 4" in text and "'date_utc'" in text
    assert "YYYY-MM-DD" in text and "12/02/2013" in text
    assert "Nothing was changed on disk" in text
    assert _digest(path) == before


def test_missing_column_is_named(copy):
    path = copy / "military_expenditure.csv"
    _edit(path, "share_of_gdp_pct", "share_gdp")
    with pytest.raises(ck.DatasetError) as err:
        ck.load("military_expenditure")
    text = str(err.value)
    assert "Missing column(s): share_of_gdp_pct" in text and "share_gdp" in text


def test_text_in_a_number_column(copy):
    path = copy / "missile_launches.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[5].split(",")
    header = lines[0].split(",")
    cells[header.index("facility_lat")] = "north"
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ck.DatasetError) as err:
        ck.load("missile_launches")
    assert "line 6, column 'facility_lat': found 'north', expected a number" in str(err.value)


def test_value_outside_the_allowed_set(copy):
    _edit(copy / "nuclear_tests.csv", ",mb,", ",Richter,")
    with pytest.raises(ck.DatasetError) as err:
        ck.load("nuclear_tests")
    assert "expected one of mb" in str(err.value)


def test_stray_comma_and_duplicate_id(copy):
    path = copy / "missile_launches.csv"
    _edit(path, "ml-0002,", "ml-0001,")
    _edit(path, ",Hwasong-11D (KN-35),SRBM", ",Hwasong-11D (KN-35),SR,BM")
    with pytest.raises(ck.DatasetError) as err:
        ck.load("missile_launches")
    text = str(err.value)
    assert "not used on another line" in text
    assert "values but the header has" in text


def test_empty_required_value_and_blank_lines_ignored(copy):
    path = copy / "nuclear_tests.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    assert len(ck.load("nuclear_tests")) == 6
    _edit(path, ",usgs-comcat", ",")
    with pytest.raises(ck.DatasetError) as err:
        ck.load("nuclear_tests")
    assert "may not be empty" in str(err.value)


def test_missing_file_says_how_to_restore(copy):
    (copy / "people.csv").unlink()
    with pytest.raises(ck.DatasetError) as err:
        ck.load("people")
    assert "git checkout -- datasets/people.csv" in str(err.value)


def test_extra_column_warns_but_loads(copy):
    path = copy / "nuclear_tests.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line + ",x" for line in lines) + "\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="does not use"):
        assert len(ck.load("nuclear_tests")) == 6


def test_not_utf8(copy):
    path = copy / "people.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", "\né".encode("latin-1"), 1))
    with pytest.raises(ck.DatasetError) as err:
        ck.load("people")
    assert "UTF-8" in str(err.value)


def test_edit_is_seen_after_reload(copy):
    """The cache notices a changed file, so a restored file loads again."""
    path = copy / "nuclear_tests.csv"
    original = path.read_text(encoding="utf-8")
    _edit(path, "2013-02-12,", "2013-13-12,")
    with pytest.raises(ck.DatasetError):
        ck.load("nuclear_tests")
    path.write_text(original, encoding="utf-8")
    assert len(ck.load("nuclear_tests")) == 6
