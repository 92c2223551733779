"""Hostile input to the two things that read files: the questionnaire loader and `python -m analysis`.

An author running `flask questionnaires check` and an analyst running the statistics command line
both need one line that says what is wrong with their file, never a traceback, whatever the file
holds.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analysis.cli import main as analysis_main
from analysis.intervals import METHODS
from survey_app.questionnaire import Questionnaire, QuestionnaireError, load_questionnaire
from tests.conftest import PROJECT_ROOT

from .support import HOSTILE

QUESTIONNAIRE_FILES = [
    *sorted((PROJECT_ROOT / "questionnaires").glob("*.yaml")),
    PROJECT_ROOT / "tests/fixtures/questionnaires/all_types.yaml",
]
REAL_QUESTIONNAIRES = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in QUESTIONNAIRE_FILES]


# The questionnaire loader ----------------------------------------------------------------------

# Pieces of YAML syntax and of questionnaire vocabulary: glued together at random they reach the
# parser's corners (anchors, tags, flow collections, block scalars) far more often than random text.
YAML_PIECES = [
    "id: ",
    "version: ",
    "title: ",
    "questions:",
    "kind: report",
    "\n",
    "  ",
    "    ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ", ",
    "&a ",
    "*a",
    "*missing",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!timestamp ",
    "!!map ",
    "!!binary ",
    "!!python/object:os.system ",
    "!custom ",
    "? ",
    "|",
    ">-",
    "# note",
    "'",
    '"',
    "\\",
    "\t",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "<<: *a",
    "type: yes_no",
    "type: free_text",
    "type: number",
    "type: date",
    "type: single_choice",
    "type: notice",
    "id: q",
    "id: r",
    "title: Q",
    "max_length: 5",
    "max_length: -1",
    "min: 5",
    "max: 1",
    "show_if: {answer: q, equals: 'yes'}",
    "show_if: {answer: r, in: x}",
    "routes:",
    "- when: {answer: q, equals: 'no'}",
    "goto: check_answers",
    "goto: q",
    "choices:",
    "- {value: a, label: A}",
    "value: a",
    "label: A",
    "measure: {id: m}",
    "final: true",
    "paragraphs: [p]",
    "2001-13-45",
    "2001-12-14 25:61:00",
    ".nan",
    ".inf",
    "~",
    "null",
    "0x1F",
    "0o17",
    "1_000",
    "1" * 5000,
    "\x00",
    "\x07",
    "\x85",
    "\u2028",
    "\ufeff",
    "\ud7ff",
    "é",
]
yaml_like_text = st.lists(st.sampled_from(YAML_PIECES) | st.text(max_size=4), max_size=60).map("".join)

# Values as YAML can write them. Surrogates cannot be written to a UTF-8 file, so they are left out.
plain_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | plain_text | st.dates()
structures = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(plain_text | st.integers() | st.booleans(), children, max_size=4)
    ),
    max_leaves=25,
)


@st.composite
def mutated_questionnaires(draw: st.DrawFn) -> Any:
    """A real questionnaire with one part replaced, removed or added: close enough to valid to get
    past the schema and reach the checks of sense and routing."""
    data = copy.deepcopy(draw(st.sampled_from(REAL_QUESTIONNAIRES)))
    for _ in range(draw(st.integers(1, 3))):
        node: Any = data
        # Walk down a random path, stopping at a random depth.
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            key = draw(st.sampled_from(keys))
            child = node[key]
            if not isinstance(child, dict | list) or not child:
                break
            node = child
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(list(node)))
            action = draw(st.sampled_from(["replace", "delete", "add", "copy"]))
            if action == "replace":
                node[key] = draw(structures)
            elif action == "delete":
                del node[key]
            elif action == "add":
                node[draw(plain_text)] = draw(structures)
            else:  # the same value somewhere it does not belong
                other = draw(st.sampled_from(list(node)))
                node[key] = copy.deepcopy(node[other])
        elif isinstance(node, list) and node:
            index = draw(st.integers(0, len(node) - 1))
            action = draw(st.sampled_from(["replace", "delete", "duplicate", "swap"]))
            if action == "replace":
                node[index] = draw(structures)
            elif action == "delete":
                del node[index]
            elif action == "duplicate":
                node.insert(index, copy.deepcopy(node[index]))
            else:
                other = draw(st.integers(0, len(node) - 1))
                node[index], node[other] = node[other], node[index]
    return data


def assert_loads_or_says_why(path: Path) -> None:
    try:
        questionnaire = load_questionnaire(path, "hostile.yaml")
    except QuestionnaireError as error:
        message = str(error)
        assert type(error) is QuestionnaireError
        assert message.startswith("hostile.yaml: ")
        assert error.reason.strip(), message
        assert "\n" not in message, f"the message is not one line: {message!r}"
        assert "Traceback" not in message
    else:
        assert isinstance(questionnaire, Questionnaire)


@HOSTILE
@given(text=st.text() | yaml_like_text)
@example(text="[" * 5000)  # nested deeper than the parser's recursion
@example(text="{a: " * 3000)
@example(text="id: a\nversion: 1" + "0" * 5000 + "\ntitle: t\nquestions: []\n")  # a 5,000-digit number
@example(text="id: a\nversion: 2001-13-45\n")  # looks like a date, is not one
@example(text="a: &x [*x]\n")  # an alias inside itself
@example(text="!!python/object/apply:os.system ['true']\n")
@example(text="!!int")  # tags whose value PyYAML's own constructors cannot make
@example(text="id: !!bool maybe\n")
@example(text="id: !!timestamp soon\n")
@example(text="!!map [a]\n")
@example(text="id: a\nid: b\n")
@example(text="? [a, b]\n: c\n")
@example(text="")
def test_yaml_text_loads_or_gives_one_line_questionnaire_error(tmp_path, text):
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert_loads_or_says_why(path)


@HOSTILE
@given(content=st.binary())
@example(content=b"id: caf\xe9\n")  # Latin-1
@example(content="id: a\n".encode("utf-16"))
@example(content=b"\xef\xbb\xbfid: a\n")  # a byte order mark
def test_bytes_load_or_give_one_line_questionnaire_error(tmp_path, content):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    assert_loads_or_says_why(path)


@HOSTILE
@given(
    data=structures
    | st.fixed_dictionaries(
        {"id": structures, "version": structures, "title": structures, "questions": structures}
    )
)
def test_random_structures_load_or_give_one_line_questionnaire_error(tmp_path, data):
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert_loads_or_says_why(path)


@HOSTILE
@given(data=mutated_questionnaires())
def test_damaged_real_questionnaires_load_or_give_one_line_questionnaire_error(tmp_path, data):
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert_loads_or_says_why(path)


def test_a_missing_or_unreadable_file_is_a_questionnaire_error(tmp_path):
    with pytest.raises(QuestionnaireError, match="cannot be read"):
        load_questionnaire(tmp_path / "absent.yaml", "absent.yaml")
    with pytest.raises(QuestionnaireError, match="cannot be read"):
        load_questionnaire(tmp_path, "a-folder.yaml")


# python -m analysis ----------------------------------------------------------------------------


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy:
    """Usually `good`, sometimes `bad`: one wrong thing at a time gets past the first check it would
    fail, so the later checks are exercised too."""
    # Not one_of(good, good, good, bad): Hypothesis leans towards the ends of a range and the first
    # of several choices, so the odds are set from the middle of one.
    return st.integers(1, 6).flatmap(lambda n: bad if n == 3 else good)


def rarely(draw: st.DrawFn, one_in: int = 6) -> bool:
    return draw(st.integers(1, one_in)) == 2


JUNK = [
    "",
    "abc",
    "nan",
    "inf",
    "-inf",
    "-1",
    "1e308",
    "1e-320",
    "NA",
    "0x10",
    " 1",
    "１",
    '"',
    "a,b",
    "=1+1",
    "1" * 400,
    "Salé",
    "\x00",
]
junk = st.sampled_from(JUNK) | st.text(max_size=6)
# The shape of a survey export: an outcome, a weight, areas, waves, a two-stage design.
DATA_COLUMNS = {
    "y": mostly(st.sampled_from(["0", "1", "1", ""]), junk),
    "w": mostly(st.floats(0.1, 5).map(lambda x: f"{x:.3f}"), junk),
    "area": mostly(st.sampled_from(["Sale", "Altrincham"]), junk),
    "wave": mostly(st.sampled_from(["2025Q1", "2025Q2", "2025Q3", "2025Q4"]), junk),
    "psu": mostly(st.sampled_from(["p1", "p2", "p3", "p4"]), junk),
    "stratum": mostly(st.sampled_from(["s1", "s2"]), junk),
    "sex": mostly(st.sampled_from(["male", "female"]), junk),
    "fpc": mostly(st.sampled_from(["1000", "2000"]), junk),
}
MARGINS_ROWS = [
    ("area", "Sale", "600"),
    ("area", "Altrincham", "400"),
    ("sex", "male", "500"),
    ("sex", "female", "500"),
]


@st.composite
def csv_file(draw: st.DrawFn, header: list[str], rows: list[list[str]]) -> bytes:
    """The table as a CSV file, usually well formed, sometimes broken or in the wrong encoding."""
    if rarely(draw):  # something else entirely
        return draw(
            st.sampled_from([b"", b"\n", b"\xff\xfe\x00\x01", b'"unclosed,quote\n1,2\n'])
            | st.binary(max_size=200)
        )
    if rarely(draw) and header:  # a column renamed, dropped or doubled
        index = draw(st.integers(0, len(header) - 1))
        change = draw(st.sampled_from(["rename", "drop", "double"]))
        if change == "rename":
            header = [*header[:index], draw(junk), *header[index + 1 :]]
        elif change == "drop":
            header = header[:index] + header[index + 1 :]
        else:
            header = [*header, header[index]]
    if rarely(draw, 10):  # quotes and commas in cells left unescaped
        text = "\n".join(",".join(row) for row in [header, *rows]) + "\n"
    else:
        out = io.StringIO()
        csv.writer(out).writerows([header, *rows])
        text = out.getvalue()
    encoding = draw(mostly(st.just("utf-8"), st.sampled_from(["utf-8-sig", "latin-1", "utf-16"])))
    return text.encode(encoding, errors="replace")


@st.composite
def data_files(draw: st.DrawFn) -> bytes:
    header = list(DATA_COLUMNS)
    rows = draw(st.lists(st.tuples(*DATA_COLUMNS.values()).map(list), max_size=30))
    return draw(csv_file(header, rows))


@st.composite
def margins_files(draw: st.DrawFn) -> bytes:
    rows = [list(row) for row in MARGINS_ROWS]
    for row in rows:
        if rarely(draw, 8):  # a wrong cell
            row[draw(st.integers(0, 2))] = draw(junk)
    if rarely(draw, 8):
        rows = draw(st.permutations(rows))[: draw(st.integers(0, len(rows)))]
    if rarely(draw, 8):
        rows.append(draw(st.sampled_from(rows)) if rows else ["area", "Sale", "1"])
    return draw(
        csv_file(["variable", "category", "population_count", "source"], [[*row, draw(junk)] for row in rows])
    )


numbers = mostly(
    st.sampled_from(["0.05", "0.5", "0.8", "0.95", "1.5", "2", "100"]),
    st.sampled_from(["0", "1", "-1", "nan", "inf", "1e400", "abc", "", "0,1"]) | st.text(max_size=5),
)
column_names = mostly(st.sampled_from(list(DATA_COLUMNS)), junk)


@st.composite
def analysis_arguments(draw: st.DrawFn, files: dict[str, str]) -> list[str]:
    """An argument list for `python -m analysis`: mostly the right shape, with wrong values."""
    data = draw(mostly(st.just(files["data"]), st.sampled_from([files["missing"], files["folder"]])))
    margins = draw(mostly(st.just(files["margins"]), st.sampled_from([files["data"], files["missing"]])))
    command = draw(
        mostly(
            st.sampled_from(["estimate", "compare", "rake", "samplesize"]),
            st.sampled_from(["", "help", "Estimate"]),
        )
    )
    design = {
        "--weight": mostly(st.just("w"), column_names),
        "--strata": mostly(st.just("stratum"), column_names),
        "--cluster": mostly(st.just("psu"), column_names),
        "--fpc": mostly(st.just("fpc"), column_names),
        "--lonely-psu": st.sampled_from(["fail", "remove", "certainty", "lonely"]),
        "--method": mostly(st.sampled_from(METHODS), st.sampled_from(["bayes", ""])),
        "--level": mostly(st.just("0.95"), numbers),
        "--margins": st.just(margins),
        "--vars": mostly(
            st.sampled_from(["area", "sex", "area,sex"]), st.lists(column_names, max_size=3).map(",".join)
        ),
        "--trim": mostly(
            st.sampled_from(["0.5,2", "0.1,10"]), st.sampled_from(["2,0.5", "a,b", "5", "-1,2", "0,inf", ""])
        ),
    }
    if command == "samplesize":
        argv = [command, "--p1", draw(numbers), "--p2", draw(numbers)]
        options = {"--power": numbers, "--alpha": numbers, "--deff": numbers, "--n": numbers}
    elif command == "rake":
        out = draw(mostly(st.just(files["out"]), st.sampled_from([files["folder"], files["missing"]])))
        argv = [command, data, "--margins", margins, "--out", out]
        options = {k: design[k] for k in ("--vars", "--weight", "--trim")}
    elif command in ("estimate", "compare"):
        argv = [command, data, "--outcome", draw(mostly(st.just("y"), column_names))]
        options = dict(design)
        if command == "estimate":
            options.update(
                {
                    "--by": mostly(
                        st.sampled_from(["area", "area,sex", "wave"]),
                        st.lists(column_names, max_size=2).map(",".join),
                    ),
                    "--missing": st.sampled_from(["domain", "complete_case", "drop"]),
                    "--statistic": st.sampled_from(["proportion", "mean", "total", "median"]),
                    "--rolling": mostly(st.just("wave"), column_names),
                    "--window": mostly(st.sampled_from(["1", "2", "4"]), numbers),
                    "--format": st.sampled_from(["csv", "json", "xml"]),
                }
            )
        else:
            waves = mostly(st.sampled_from(["2025Q1", "2025Q2", "2025Q4"]), junk)
            argv += [
                "--by",
                draw(mostly(st.just("wave"), column_names)),
                "--base",
                draw(waves),
                "--current",
                draw(waves),
            ]
            options.update(
                {
                    "--where": st.sampled_from(["area=Sale", "area", "=", "nowhere=x"]),
                    "--target": numbers,
                    "--rake": st.sampled_from(["each-wave", "pooled", "both"]),
                }
            )
    else:
        argv = [command] if command else []
        options = {}
    for name in draw(st.lists(st.sampled_from(sorted(options)), max_size=6, unique=True)) if options else []:
        argv += [name, draw(options[name])]
    if rarely(draw, 10):  # a flag without its value, a stray word, or an unknown option
        argv.insert(
            draw(st.integers(1, max(1, len(argv)))),
            draw(
                st.sampled_from(
                    ["--one-sided", "--trim-relative", "--unknown", "-x", "extra", "--weight", "--", "-h"]
                )
            ),
        )
    return argv


def run_in_process(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = analysis_main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_clear_outcome(code: int, err: str) -> None:
    """Success, or exit status 2 with one line that says what is wrong (argparse adds its usage)."""
    assert "Traceback" not in err, err
    if code == 0:
        return
    assert code == 2, (code, err)
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ") or ": error: " in line]
    assert len(errors) == 1 and lines[-1] == errors[0], err
    assert len(errors[0].split("error: ", 1)[1].strip()) >= 5, err


@pytest.fixture
def cli_files(tmp_path) -> dict[str, str]:
    (tmp_path / "folder").mkdir()
    return {
        name: str(tmp_path / file)
        for name, file in (
            ("data", "data.csv"),
            ("margins", "margins.csv"),
            ("out", "out.csv"),
            ("missing", "absent/none.csv"),
            ("folder", "folder"),
        )
    }


@settings(HOSTILE, max_examples=200)  # in-process runs are quick, and the arguments combine in many ways
@given(data=st.data(), data_file=data_files(), margins_file=margins_files())
def test_analysis_command_line_reports_bad_input_in_one_line(cli_files, data, data_file, margins_file):
    Path(cli_files["data"]).write_bytes(data_file)
    Path(cli_files["margins"]).write_bytes(margins_file)
    argv = data.draw(analysis_arguments(cli_files), label="argv")
    code, _out, err = run_in_process(argv)
    assert_clear_outcome(code, err)


# Files an analyst could plausibly pass by mistake, each with the words the message must contain.
GOOD_DATA = b"y,w,area\n1,1.5,Sale\n0,2,Sale\n1,1,Altrincham\n0,1,Altrincham\n"
GOOD_MARGINS = b"variable,category,population_count\narea,Sale,100\narea,Altrincham,100\n"
ESTIMATE = ["estimate", "{data}", "--outcome", "y"]
WITH_MARGINS = [*ESTIMATE, "--margins", "{margins}"]
MISTAKES = [
    pytest.param(
        GOOD_DATA,
        b"variable,category,population_count\narea,Sal\xe9,100\n",
        WITH_MARGINS,
        "UTF-8",
        id="latin-1-margins",
    ),
    pytest.param(
        GOOD_DATA.decode().encode("utf-16"), GOOD_MARGINS, ESTIMATE, "cannot read", id="utf-16-data"
    ),
    pytest.param(
        GOOD_DATA,
        b"",
        ["rake", "{data}", "--margins", "{margins}", "--out", "{out}"],
        "column",
        id="empty-margins",
    ),
    pytest.param(
        GOOD_DATA,
        b"variable,category,population_count\narea,Sale," + b"9" * 200_000 + b"\n",
        WITH_MARGINS,
        "margins",
        id="huge-margins-field",
    ),
    pytest.param(
        b"y,w\n1,heavy\n", GOOD_MARGINS, [*ESTIMATE, "--weight", "w"], "non-numeric", id="text-weight"
    ),
    pytest.param(b"", GOOD_MARGINS, ESTIMATE, "cannot read", id="empty-data"),
    pytest.param(b"y\n1\n", GOOD_MARGINS, [*ESTIMATE, "--level", "lots"], "invalid float", id="bad-argument"),
]


@pytest.mark.parametrize(("data_file", "margins_file", "argv", "words"), MISTAKES)
def test_the_real_command_prints_one_line_and_no_traceback(tmp_path, data_file, margins_file, argv, words):
    # A few cases through a real process: what an analyst at a terminal actually sees.
    files = {"data": tmp_path / "data.csv", "margins": tmp_path / "margins.csv", "out": tmp_path / "out.csv"}
    files["data"].write_bytes(data_file)
    files["margins"].write_bytes(margins_file)
    args = [arg.format(**{k: str(v) for k, v in files.items()}) for arg in argv]
    result = subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert_clear_outcome(result.returncode, result.stderr)
    assert words in result.stderr.splitlines()[-1], result.stderr
