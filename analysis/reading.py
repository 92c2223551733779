"""Reading respondent data from CSV: fast when the file is clean, careful when it is not.

Files are read with pyarrow's multithreaded parser, only the columns a command uses, numbers as
numbers. Anything that parser refuses (a text value in a numeric column, a line break inside a quoted
answer, a file not in UTF-8) sends the file through pandas' own parser with every value as text, as
before, so the user gets the same one-line error naming the column and the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

# The only missing value is an empty cell: "NA" or "none" typed in an outcome column is a mistake
# to report, not a missing answer.
_MISSING = [""]


class InputError(ValueError):
    """Input the user must fix; reported as one line."""


def read_table(path: str, *, text: Iterable[str] | None = None, numeric: Iterable[str] = ()) -> pd.DataFrame:
    """The columns named in ``text`` as strings and in ``numeric`` as floats (NaN for an empty cell).

    With ``text=None`` every column is read, as strings (for commands that write the file back).
    Named columns the file lacks are left out, so the caller can say which option named them.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no such file: {path}")
    header = _header(p, path)
    if text is None:
        text_cols, numeric_cols = list(header), []
    else:
        text_cols = [c for c in dict.fromkeys(text) if c in header]
        numeric_cols = [c for c in dict.fromkeys(numeric) if c in header and c not in text_cols]
    try:
        return _fast(p, text_cols, numeric_cols)
    except Exception:
        return _careful(p, path, text_cols + numeric_cols)


def _header(p: Path, path: str) -> list[str]:
    try:
        return [str(c) for c in pd.read_csv(p, nrows=0, dtype=str).columns]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}") from exc


def _fast(p: Path, text_cols: list[str], numeric_cols: list[str]) -> pd.DataFrame:
    dtypes = {c: "str" for c in text_cols} | {c: "float64" for c in numeric_cols}
    return pd.read_csv(
        p,
        engine="pyarrow",
        usecols=list(dtypes),
        dtype=dtypes,
        keep_default_na=False,
        na_values=_MISSING,
    )


def _careful(p: Path, path: str, columns: list[str]) -> pd.DataFrame:
    try:
        return pd.read_csv(p, dtype=str, keep_default_na=False, na_values=_MISSING, usecols=columns)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}") from exc
