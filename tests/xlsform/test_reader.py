"""Reading XLSForm spreadsheets: what a designer writes becomes the product's questionnaire, and
every fault is one line naming the sheet, the row and the column."""

from __future__ import annotations

import io
import zipfile

import pytest

from survey_app.questionnaire import Condition
from survey_app.questionnaire.xlsform.reader import read_xlsform
from survey_app.questionnaire.xlsform.sheets import XLSFormError
from survey_app.questionnaire.xlsform.writer import write_xlsform

from .helpers import column_letter, edited, fixture, workbook

HEADERS = ("type", "name", "label", "required")


def faults_of(data: bytes) -> list[str]:
    with pytest.raises(XLSFormError) as caught:
        read_xlsform(data)
    return [str(fault) for fault in caught.value.faults]


def test_the_sale_pulse_becomes_a_questionnaire_with_its_routing_checks_and_kpi():
    imported = read_xlsform(fixture("sale_pulse.xlsx"))
    form = imported.questionnaire
    assert (form.id, form.version, form.title) == ("sale_pulse", 1, "Sale town centre safety pulse")
    assert [(q.id, q.type, q.required) for q in form.questions] == [
        ("welcome", "notice", True),
        ("feel_safe", "single_choice", True),
        ("seen_patrol", "single_choice", True),
        ("patrol_where", "multiple_choice", True),
        ("visits", "number", True),
        ("comments", "free_text", False),
        ("age_band", "single_choice", False),
        ("sex", "single_choice", False),
    ]
    assert form.question("patrol_where").show_if == Condition("equals", "seen_patrol", ("yes",))
    assert form.question("visits").settings == {"min": 0, "max": 31}
    assert form.question("visits").errors["too_large"] == "Enter a number of evenings from 0 to 31"
    assert form.question("comments").settings == {"max_length": 500}
    measure = form.question("feel_safe").measure
    assert measure is not None
    assert (measure.id, measure.positive, measure.excluded_from_base) == (
        "sale_feel_safe",
        ("strongly_agree", "agree"),
        ("dont_know",),
    )
    assert [(q.id, q.weighting_variable, q.breakdown) for q in form.weighting_questions] == [
        ("age_band", "age_band", True),
        ("sex", "sex", True),
    ]
    assert form.languages == ("en", "ur", "pl") and imported.missing == []
    assert imported.translations["ur"]["visits.error.too_large"] == "0 سے 31 تک شاموں کی تعداد درج کریں"
    assert imported.translations["pl"]["patrol_where.choice.market"] == "Targ w Sale"


def test_the_faulty_pulse_gets_one_line_per_fault_with_sheet_row_and_column():
    assert faults_of(fixture("sale_pulse_faulty.xlsx")) == [
        "survey sheet, row 5, column relevant: ${seen_patroll} is not the name of any question: correct the "
        "name",
        "survey sheet, row 8, column type: the choice list “ages” is not on the choices sheet: "
        "add it there, or correct the name",
        "survey sheet, row 9, column name: “age_band” is also the name of the question on row 8: "
        "give each question its own name",
    ]


def test_a_language_with_an_empty_cell_is_named_per_cell_and_not_offered():
    data = fixture("sale_pulse.xlsx")
    polish = column_letter(data, "choices", "label::Polish (pl)")
    data = edited(data, "choices", f"{polish}4", None)
    imported = read_xlsform(data)
    assert imported.questionnaire.languages == ("en", "ur")
    assert [str(fault) for fault in imported.missing] == [
        "choices sheet, row 4, column label::Polish (pl): empty: until it is filled, residents are not "
        "offered this language"
    ]


def test_a_relevant_naming_a_later_question_is_refused():
    data = workbook(
        [
            (*HEADERS, "relevant"),
            ("text", "first", "First", "no", "${second} != ''"),
            ("text", "second", "Second"),
        ],
    )
    faults = faults_of(data)
    assert any(
        "survey sheet, row 2, column relevant: ${second} comes at or after this question" in fault
        for fault in faults
    )


def test_a_relevant_testing_a_label_not_a_choice_name_is_refused():
    data = workbook(
        [
            (*HEADERS, "relevant"),
            ("select_one yn", "a", "A", "yes"),
            ("integer", "b", "B", "no", "${a} = 'Yes'"),
        ],
        [("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No")],
    )
    assert faults_of(data) == [
        "survey sheet, row 3, column relevant: 'Yes' is not one of the choices of ${a}: use a choice's name, "
        "not its label"
    ]


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (
            ("integer", "visits", "Visits", "yes", "", "regex(., '[0-9]')"),
            "constraint",
            "write it in the form",
        ),
        (("calculate", "total", "Total"), "type", "is not a type the product asks"),
        (("begin group", "g", "Group"), "type", "groups are not used"),
        (("text", "Bad Name", "Label"), "name", "lower-case letters"),
        (("text", "story", ""), "label", "write the question"),
        (("text", "story", "Story", "maybe"), "required", "is not yes or no"),
        (("select_one", "pick", "Pick"), "type", "needs a choice list"),
        (("text", "story", "Story"), "constraint", "string-length(.) <= 500"),
    ],
)
def test_each_kind_of_fault_names_its_column(row, column, words):
    data = workbook([(*HEADERS, "relevant", "constraint"), row])
    faults = faults_of(data)
    assert len(faults) == 1
    assert faults[0].startswith(f"survey sheet, row 2, column {column}: ")
    assert words in faults[0]


def test_a_kpi_needs_its_positive_choices_and_a_label():
    data = workbook(
        [(*HEADERS, "kpi", "kpi_label"), ("select_one yn", "a", "A", "yes", "a_kpi", "")],
        [("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No")],
    )
    assert faults_of(data) == [
        "survey sheet, row 2, column kpi_label: empty: name the measure staff will see, like “Feel safe in "
        "the "
        "town centre”"
    ]


def test_settings_faults_name_the_settings_sheet():
    data = workbook(
        [HEADERS, ("integer", "a", "A", "yes")],
        settings=[
            ("form_id", "form_title", "version", "default_language"),
            ("Pulse!", "", "v2", "Polish (pl)"),
        ],
    )
    faults = faults_of(data)
    assert [fault.split(":")[0] for fault in faults] == [
        "settings sheet, row 2, column form_id",
        "settings sheet, row 2, column form_title",
        "settings sheet, row 2, column version",
        "settings sheet, row 2, column default_language",
    ]


def test_an_unknown_language_column_is_named():
    data = workbook([(*HEADERS, "label::Klingon (tlh)"), ("integer", "a", "A", "yes", "Qa'")])
    assert faults_of(data) == [
        "survey sheet, row 1, column label::Klingon (tlh): the language “Klingon (tlh)” is not one the "
        "product "
        "offers: name it like “Urdu (ur)”, with one of the codes en, ur, pl, ar, zh_Hant, zh_Hans, pa, fa, "
        "ml, "
        "es, gu"
    ]


def test_markup_in_a_label_is_kept_as_text():
    data = workbook([HEADERS, ("integer", "a", "<script>alert(1)</script> How many?", "yes")])
    assert read_xlsform(data).questionnaire.question("a").title == "<script>alert(1)</script> How many?"


def test_a_formula_cell_is_refused_where_it_is():
    data = workbook([HEADERS, ("integer", "a", '=HYPERLINK("http://evil.example","Click")', "yes")])
    assert faults_of(data) == ["survey sheet, row 2, column label: a formula: type the text or number itself"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a spreadsheet at all",
        b"PK\x03\x04broken zip",
        fixture("sale_pulse.xlsx")[:3000],
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_plainly(data):
    assert faults_of(data) == [
        "the file: this is not an Excel workbook (.xlsx) that can be read: save it from Excel as .xlsx"
    ]


def test_a_zip_that_unpacks_to_too_much_is_refused_before_it_is_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    assert "not an Excel workbook" in faults_of(buffer.getvalue())[0]


def test_a_file_over_the_size_limit_is_refused():
    assert faults_of(b"PK" + b"0" * (2 * 1024 * 1024)) == [
        "the file: larger than 2 MB: split the form or remove pictures"
    ]


def test_a_column_heading_given_twice_is_named():
    data = workbook([("type", "name", "label", "label"), ("integer", "a", "A", "B")])
    assert faults_of(data) == ["the file, row 1, column label: this column heading is used twice: keep one"]


def test_a_note_is_a_notice_with_its_label_as_the_heading():
    data = workbook([HEADERS, ("note", "hello", "Thank you for taking part."), ("integer", "a", "A", "yes")])
    notice = read_xlsform(data).questionnaire.question("hello")
    assert (notice.type, notice.title, notice.paragraphs) == ("notice", "Thank you for taking part.", ())


def test_a_decimal_question_takes_a_range_with_fractions():
    data = workbook(
        [
            ("type", "name", "label", "required", "constraint", "suffix"),
            (
                "decimal",
                "hours",
                "How many hours a week do you volunteer?",
                "yes",
                ". >= 0 and . <= 37.5",
                "hours",
            ),
        ]
    )
    question = read_xlsform(data).questionnaire.question("hours")
    assert (question.type, question.settings) == ("decimal", {"min": 0, "max": 37.5, "suffix": "hours"})


def test_a_kpi_on_a_number_question_is_its_average_and_survives_a_round_trip():
    data = workbook(
        [
            (*HEADERS, "constraint", "kpi", "kpi_label"),
            (
                "integer",
                "score",
                "From 0 to 10, how safe do you feel?",
                "yes",
                ". >= 0 and . <= 10",
                "safety",
                "Safety score",
            ),
            ("text", "why", "Why?", "no", "string-length(.) <= 500", "", ""),
        ]
    )
    form = read_xlsform(data).questionnaire
    measure = form.question("score").measure
    assert measure is not None and measure.is_mean and measure.positive == ()
    assert [m.id for _q, m in form.measures] == ["safety"]
    again = read_xlsform(write_xlsform(form, lambda _language, _key, _text: None)).questionnaire
    assert again.question("score").measure == measure


def test_a_kpi_on_a_question_that_is_neither_a_list_nor_a_number_is_refused():
    data = workbook([(*HEADERS, "kpi", "kpi_label"), ("text", "why", "Why?", "no", "why_kpi", "Why")])
    assert faults_of(data) == [
        "survey sheet, row 2, column kpi: a measure needs a question with a list of answers, or a number "
        "question for an average"
    ]
