"""Reading a police.uk street-level file: what is counted, what is left out and why, and refusals."""

from __future__ import annotations

import io

import pytest

from survey_app.kpis.crime import MAX_FAULTS_SHOWN, CrimeFileError, read_crime_file
from survey_app.kpis.districts import district_names
from survey_app.kpis.messages import crime_fault

from .helpers import FORCE, row, street_csv

GM = district_names()


def read(data: bytes):
    return read_crime_file(io.BytesIO(data), GM, FORCE)


def test_crimes_are_counted_by_month_district_and_type_and_the_pitfalls_are_left_out_with_reasons():
    rows = [
        row("2026-07", "Trafford 012C", "Burglary"),
        row("2026-07", "Trafford 001A", "Burglary"),
        row("2026-07", "Trafford 001A", "Shoplifting"),
        row("2026-07", "Manchester 054B", "Robbery"),
        row("2026-07", "Trafford 003D", "Anti-social behaviour"),
        row("2026-07", "", "Vehicle crime"),
        row("2026-07", "Cheshire East 010A", "Burglary"),
        row("2026-07", "Blackburn with Darwen 001A", "Drugs"),
        row("2026-07", "Traffordshire 001A", "Drugs"),
        row("2026-07", "Trafford", "Drugs"),
    ]
    tally = read(street_csv(rows))
    assert tally.rows == 10
    assert tally.crimes[("2026-07", FORCE, "Trafford", "Burglary")] == 2
    assert tally.crimes[("2026-07", FORCE, "Trafford", "Shoplifting")] == 1
    assert tally.crimes[("2026-07", FORCE, "Manchester", "Robbery")] == 1
    assert tally.left_out_in("2026-07", FORCE) == {"not_a_crime": 1, "no_location": 1, "outside_area": 4}
    assert tally.months == [("2026-07", FORCE)]
    assert tally.crimes_in("2026-07", FORCE) == 4


def test_a_byte_order_mark_blank_lines_another_column_order_and_quoted_commas_are_read():
    columns = ["LSOA name", "Crime type", "Month", "Reported by", "Location"]
    rows = [
        ["Trafford 012C", "Other theft", "2026-08", FORCE, 'On or near "Shopping Area", Sale'],
        [],
        ["Stockport 002A", "Burglary", "2026-08", FORCE, "Line one\nline two"],
    ]
    tally = read(street_csv(rows, columns, bom=True))
    assert tally.crimes[("2026-08", FORCE, "Trafford", "Other theft")] == 1
    assert tally.crimes[("2026-08", FORCE, "Stockport", "Burglary")] == 1


def test_a_monthly_file_holds_one_month_of_one_force(app):
    """Importing a file replaces its month: a stray row of another month must not replace that one."""
    rows = [row("2026-01", "Trafford 001A")] * 3 + [row("2025-12", "Trafford 001A")]
    rows.append(row("2026-01", "Trafford 001A", force="Cheshire Constabulary"))
    with pytest.raises(CrimeFileError) as refused:
        read(street_csv(rows))
    assert [(f.line, f.code) for f in refused.value.faults] == [(5, "other_month"), (6, "other_force")]
    with app.test_request_context():
        words = crime_fault(refused.value)
    assert words[1] == "Line 5: a crime of 2025-12 in a file of 2026-01: each monthly file holds one month"
    assert words[2] == "Line 6: a crime reported by “Cheshire Constabulary”"
    with pytest.raises(CrimeFileError) as other:
        read(street_csv([row("2026-01", "Trafford 001A", force="Cheshire Constabulary")] * 2))
    assert other.value.code == "other_force"


def test_a_byte_that_is_not_utf8_is_named_on_its_own_line():
    rows = [row("2026-07", f"Trafford {i:03d}A") for i in range(300)]
    data = street_csv(rows).replace(b"Trafford 150A", b"Traff\xe9rd 150A", 1)
    with pytest.raises(CrimeFileError) as refused:
        read(data)
    assert refused.value.code == "not_utf8"
    assert refused.value.faults[0].line == 152  # the headings, then rows 0 to 149


def test_a_file_of_too_many_crime_types_is_not_a_street_level_file():
    rows = [row("2026-07", "Trafford 001A", crime_type=f"Type {i}") for i in range(60)]
    with pytest.raises(CrimeFileError) as refused:
        read(street_csv(rows))
    assert refused.value.code == "crime_types"


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "empty"),
        (street_csv([]), "no_rows"),
        (b"name,age\nSam,4\n", "columns"),
        (b"\xff\xfe\x00C\x00r\x00i\x00m\x00e", "not_text"),
        (street_csv([row("2026-07", "Trafford 001A")]).replace(b"Trafford", b"Traff\xe9rd"), "not_utf8"),
        (street_csv([row("2026-07", "Trafford 001A")]).replace(b"Trafford", b"Traf\x00ford"), "not_text"),
        (b'Month,Reported by,LSOA name,Crime type\n"2026-07,x\n', "not_csv"),
        (street_csv([row("0000-01", "Trafford 001A"), row("1999-12", "Trafford 001A")]), "lines"),
    ],
    ids=["empty", "headings only", "another file", "utf-16", "latin-1", "nul", "unclosed quote", "year 0"],
)
def test_a_file_that_is_not_a_street_level_file_is_refused_whole(app, data, code):
    with pytest.raises(CrimeFileError) as refused:
        read(data)
    assert refused.value.code == code
    with app.test_request_context():
        words = crime_fault(refused.value)
    assert words and all(words)


def test_bad_rows_are_listed_by_line_and_nothing_is_counted(app):
    rows = [row("2026-07", "Trafford 001A")] * 3
    rows.insert(1, row("July 2026", "Trafford 001A"))
    rows.append(row("2026-13", "Trafford 001A"))
    rows.append(row("2026-07", "Trafford 001A", crime_type=""))
    rows.append(row("2026-07", "Trafford 001A")[:5])
    rows.append(row("2026-07", "Trafford 001A", force=""))
    with pytest.raises(CrimeFileError) as refused:
        read(street_csv(rows))
    error = refused.value
    assert [f.line for f in error.faults] == [3, 6, 7, 8, 9]
    assert [f.code for f in error.faults] == ["month", "month", "crime_type", "columns", "force"]
    assert error.faults[0].value == "July 2026"
    with app.test_request_context():
        words = crime_fault(error)
    assert words[0] == "Nothing was imported from this file: these lines cannot be read."
    assert words[1] == "Line 3: the month “July 2026” is not written YYYY-MM (2026-09)"
    assert words[4] == "Line 8: 5 columns where the headings have 12"


def test_a_file_of_many_bad_rows_lists_the_first_few_and_counts_the_rest(app):
    rows = [row("2026/07", "Trafford 001A")] * (MAX_FAULTS_SHOWN + 7)
    with pytest.raises(CrimeFileError) as refused:
        read(street_csv(rows))
    assert len(refused.value.faults) == MAX_FAULTS_SHOWN and refused.value.more == 7
    with app.test_request_context():
        assert crime_fault(refused.value)[-1] == "and 7 more lines that cannot be read"
