"""Reading respondent CSVs: the fast parser gives the same answers as the careful one, and whatever
it refuses still ends in the careful one's clear message."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.cli import main
from analysis.reading import InputError, read_table

from .conftest import DATA

SYN = DATA / "synthetic.csv"


def estimate(capsys, path, *extra: str) -> tuple[int, str, str]:
    code = main(["estimate", str(path), "--outcome", "y", "--weight", "w", "--by", "area", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def many_rows(rows: int = 60_000) -> pd.DataFrame:
    # More than one of pyarrow's blocks, so a fault far down the file is read after types were guessed.
    return pd.DataFrame(
        {
            "area": ["Sale", "Altrincham", "Urmston"] * (rows // 3),
            "y": [1, 0, 1, 1, 0, 0] * (rows // 6),
            "w": [1.5, 2.0, 0.5] * (rows // 3),
        }
    )


def test_only_the_named_columns_are_read_with_numbers_as_numbers():
    frame = read_table(str(SYN), text=["area"], numeric=["base_weight", "confident"])
    assert set(frame.columns) == {"area", "confident", "base_weight"}
    assert frame["base_weight"].dtype == "float64"
    assert frame["area"].tolist() == pd.read_csv(SYN, dtype=str)["area"].tolist()


def test_codes_keep_their_leading_zeros_and_empty_cells_are_missing(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("ward,y,w\n01,1,\n02,,2\n010,0,1\n")
    frame = read_table(str(path), text=["ward"], numeric=["y", "w"])
    assert frame["ward"].tolist() == ["01", "02", "010"]
    assert frame["y"].isna().tolist() == [False, True, False]
    assert frame["w"].isna().tolist() == [True, False, False]


def test_a_text_value_far_down_a_numeric_column_is_named(capsys, tmp_path):
    frame = many_rows()
    frame["w"] = frame["w"].astype(object)
    frame.loc[59_000, "w"] = "heavy"
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    code, _, err = estimate(capsys, path)
    assert code == 2
    assert err.strip() == "error: weight column 'w' has a non-numeric value 'heavy'"


def test_na_typed_in_an_outcome_is_a_mistake_not_a_missing_answer(capsys, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("area,y,w\nSale,1,1\nSale,NA,1\nUrmston,0,1\n")
    code, _, err = estimate(capsys, path)
    assert code == 2 and "'NA'" in err


def test_line_breaks_inside_quoted_answers_read_as_before(capsys, tmp_path):
    frame = many_rows(600)
    frame["comment"] = ['"Felt safe,\nmostly"', "no", "yes"] * 200
    plain = tmp_path / "plain.csv"
    quoted = tmp_path / "quoted.csv"
    frame.drop(columns="comment").to_csv(plain, index=False)
    frame.to_csv(quoted, index=False)
    code_plain, out_plain, _ = estimate(capsys, plain)
    code_quoted, out_quoted, _ = estimate(capsys, quoted)
    assert code_plain == code_quoted == 0
    assert out_quoted == out_plain


def test_a_byte_order_mark_from_excel_does_not_hide_the_first_column(capsys, tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("\ufeffarea,y,w\nSale,1,1\nSale,0,1\nUrmston,1,2\nUrmston,0,1\n".encode())
    code, out, err = estimate(capsys, path)
    assert code == 0, err
    assert out.splitlines()[1].startswith("Sale,2,0.5,")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"area,y,w\nSal\xe9,1,1\nSale,0,1\n", "cannot read"),
        (b"", "cannot read"),
        (b"area,y,w\nSale,1,1,7,8\nSale\n", "error: "),
    ],
    ids=["latin-1", "empty", "ragged"],
)
def test_files_neither_parser_can_read_give_one_line(capsys, tmp_path, content, words):
    path = tmp_path / "d.csv"
    path.write_bytes(content)
    code, _, err = estimate(capsys, path)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1, err


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_table(str(tmp_path / "none.csv"), text=["area"])


def test_the_fast_read_gives_the_same_estimates_as_reading_everything_as_text(capsys, tmp_path):
    frame = pd.read_csv(SYN, dtype=str)
    argv = ["--outcome", "confident", "--weight", "base_weight", "--strata", "area", "--cluster", "psu"]
    argv += ["--by", "area,sex", "--margins", str(DATA / "synthetic_margins.csv")]
    assert main(["estimate", str(SYN), *argv]) == 0
    fast, _ = capsys.readouterr()
    # A stray text value in an unused column changes nothing; a comment column with a line break
    # sends the file down the careful path, which must agree.
    frame["note"] = ["a\nb" if k == 0 else "" for k in range(len(frame))]
    path = tmp_path / "careful.csv"
    frame.to_csv(path, index=False)
    assert main(["estimate", str(path), *argv]) == 0
    careful, _ = capsys.readouterr()
    assert careful == fast
