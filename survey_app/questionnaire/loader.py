"""Loading questionnaire files: YAML, checked against the schema and for sense.

Every fault becomes a QuestionnaireError whose message names the file, the
question and what is wrong, on one line, so an author can fix it without
reading a traceback.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .model import (
    END,
    FIXED_BREAKDOWNS,
    NO_CONSENT,
    NUMERIC_TYPES,
    PROPORTION,
    SHARING_DESTINATIONS,
    Choice,
    Condition,
    Measure,
    Question,
    Questionnaire,
    RiskCue,
    Route,
)
from .scales import DONT_KNOW_CHOICE, PREFER_NOT_TO_SAY_CHOICE
from .schema import QUESTIONNAIRE_SCHEMA
from .scoring import check_question_scoring, parse_scoring
from .types import ONE_CHOICE_TYPES, TYPES, type_of

_VALIDATOR = jsonschema.Draft202012Validator(QUESTIONNAIRE_SCHEMA)
# Every type's own settings: a question keeps those its type has (the loader refuses the others).
_SETTINGS = tuple(dict.fromkeys(name for kind in TYPES.values() for name in kind.settings))
_CONDITION_OPS = ("equals", "in", "not_in", "answered", "all", "any", "not")


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used, with the reason."""

    def __init__(self, file: str, message: str, question: str | None = None) -> None:
        self.file = file
        self.question = question
        self.reason = message
        where = f"{file}: question '{question}': " if question else f"{file}: "
        super().__init__(where + message)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping.

    Plain YAML keeps the last of two equal keys silently, which would hide
    an author's mistake.
    """


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a key cannot be a list or a mapping", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, name: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise QuestionnaireError(name, "the file is not UTF-8 text") from None
    except OSError as error:
        raise QuestionnaireError(name, f"cannot be read ({error.strerror})") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.reader.ReaderError as error:
        # A control character: this error has no mark and a two-line message.
        line = text.count("\n", 0, error.position) + 1
        char = error.character
        shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        raise QuestionnaireError(
            name, f"line {line}: not valid YAML (the character {shown} is not allowed)"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise QuestionnaireError(name, f"{where}not valid YAML ({problem})") from None
    except RecursionError:
        raise QuestionnaireError(name, "not valid YAML (lists or mappings are nested too deeply)") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        # PyYAML's constructors fail this way on a value they know by its form or tag but cannot
        # make: a date like 2001-13-45, "!!int" with no number, "!!bool maybe", a 5,000-digit number.
        raise QuestionnaireError(name, f"not valid YAML ({_constructor_problem(error)})") from None


def _constructor_problem(error: Exception) -> str:
    text = str(error)
    if isinstance(error, ValueError) and "digits" in text:
        return "a number has too many digits"
    if isinstance(error, ValueError):
        return text
    return "a value cannot be read as the type it looks like or is tagged with"


def _schema_error(name: str, data: Any, error: jsonschema.ValidationError) -> QuestionnaireError:
    """Name the question the schema fault is in, and say what is wrong plainly."""
    location = list(error.absolute_path)
    question = None
    if len(location) >= 2 and location[0] == "questions" and isinstance(location[1], int):
        entry = data["questions"][location[1]]
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            question = entry["id"]
        else:
            question = f"#{location[1] + 1}"
        location = location[2:]
    field = ".".join(str(part) for part in location)
    if error.validator == "additionalProperties":
        message = error.message.replace("Additional properties are not allowed", "unknown field")
    elif error.validator == "required":
        message = error.message.replace("is a required property", "is missing")
    elif error.validator == "enum" and isinstance(error.validator_value, list):
        message = f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    elif error.validator == "pattern":
        message = f"{error.instance!r} must be lower case letters, digits and underscores"
    else:
        message = error.message
    return QuestionnaireError(name, f"{field}: {message}" if field else message, question)


def _condition(raw: dict[str, Any]) -> Condition:
    ops = [op for op in _CONDITION_OPS if op in raw]
    if len(ops) != 1:
        raise ValueError("a condition needs exactly one of " + ", ".join(_CONDITION_OPS))
    op = ops[0]
    if op in ("all", "any"):
        return Condition(op, children=tuple(_condition(child) for child in raw[op]))
    if op == "not":
        return Condition("not", children=(_condition(raw["not"]),))
    if "answer" not in raw:
        raise ValueError(f"a condition with '{op}' needs 'answer'")
    if op == "equals":
        return Condition("equals", raw["answer"], (raw["equals"],))
    if op == "answered":
        return Condition("answered" if raw["answered"] else "not_answered", raw["answer"])
    return Condition(op, raw["answer"], tuple(raw[op]))


def _choices(raw: dict[str, Any]) -> tuple[Choice, ...]:
    if "choices" in raw:
        choices = tuple(Choice(**choice) for choice in raw["choices"])
    else:
        choices = TYPES[raw["type"]].default_choices
    if raw.get("dont_know"):
        choices += (DONT_KNOW_CHOICE,)
    if raw.get("prefer_not_to_say"):
        choices += (PREFER_NOT_TO_SAY_CHOICE,)
    return choices


def _question(raw: dict[str, Any]) -> Question:
    measure = None
    if "measure" in raw:
        spec = raw["measure"]
        measure = Measure(
            spec["id"],
            spec["label"],
            tuple(spec.get("positive", ())),
            tuple(spec.get("excluded_from_base", ())),
            spec.get("statistic", PROPORTION),
        )
    return Question(
        id=raw["id"],
        type=raw["type"],
        title=raw["title"],
        hint=raw.get("hint"),
        required=raw.get("required", True),
        choices=_choices(raw),
        show_if=_condition(raw["show_if"]) if "show_if" in raw else None,
        routes=tuple(Route(_condition(r["when"]), r["goto"]) for r in raw.get("routes", ())),
        measure=measure,
        settings={key: raw[key] for key in _SETTINGS if key in raw},
        errors=dict(raw.get("errors", {})),
        weighting_variable=raw.get("weighting_variable"),
        breakdown=raw.get("breakdown", False),
        area=raw.get("area", False),
        short_label=raw.get("short_label"),
        paragraphs=tuple(raw.get("paragraphs", ())),
        final=raw.get("final", False),
        reportable=raw.get("reportable", False),
        risk_cue=_risk_cue(raw["risk_cue"]) if "risk_cue" in raw else None,
        consent=raw.get("consent"),
        contact_detail=raw.get("contact_detail", False),
        points=dict(raw.get("points", {})),
        raises_to=dict(raw.get("raises_to", {})),
    )


def _risk_cue(raw: dict[str, Any]) -> RiskCue:
    return RiskCue(raw["label"], tuple(raw["when"]))


def _check_question(question: Question, earlier: dict[str, Question]) -> str | None:
    """The first thing wrong with one question, given the questions before it."""
    kind = type_of(question)
    values = question.choice_values
    if not kind.has_choices and values:
        return f"a {question.type} question cannot have choices, 'dont_know' or 'prefer_not_to_say'"
    if len(set(values)) != len(values):
        duplicate = next(v for v in values if values.count(v) > 1)
        return f"the choice value '{duplicate}' is used twice"
    for setting in question.settings:
        if setting not in kind.settings:
            return f"{setting} is not a setting of a {question.type} question"
    fault = kind.check(question)
    if fault:
        return fault
    if question.final and not question.is_notice:
        return "only a notice can be final"
    if question.reportable and not kind.has_choices:
        return "only a question with choices can be reportable (free answers may identify someone)"
    if question.risk_cue:
        if not kind.has_choices:
            return "a risk cue can only be declared on a question with choices"
        for value in question.risk_cue.values:
            if value not in values:
                return f"the risk cue names '{value}', which is not one of its choices"
    if question.points or question.raises_to:
        if not kind.has_choices:
            return "points and raises_to can only be declared on a question with choices"
        fault = check_question_scoring(question)
        if fault:
            return fault
    for flag in ("area", "weighting_variable"):
        if getattr(question, flag) and question.type not in ONE_CHOICE_TYPES:
            return f"only a question with one answer from a list can have {flag}"
    if (question.breakdown or question.area) and question.id in FIXED_BREAKDOWNS:
        return (
            f"the estimates have a breakdown of their own called '{question.id}': "
            "give this question another id"
        )
    if question.measure and question.measure.is_mean:
        if question.type not in NUMERIC_TYPES:
            return "a mean can only be declared on a number or decimal question"
        if question.measure.positive or question.measure.excluded_from_base:
            return "a mean counts every number given: it takes no positive or excluded_from_base answers"
    elif question.measure:
        if not kind.has_choices:
            return (
                "a measure can only be declared on a question with choices (or, with statistic: mean, "
                "on a number question)"
            )
        if not question.measure.positive:
            return f"measure '{question.measure.id}' needs the answers that count, in positive"
        for value in (*question.measure.positive, *question.measure.excluded_from_base):
            if value not in values:
                return f"measure '{question.measure.id}' names '{value}', which is not one of its choices"
    if question.show_if:
        fault = _check_condition(question.show_if, earlier, "show_if")
        if fault:
            return fault
    for route in question.routes:
        fault = _check_condition(route.when, {**earlier, question.id: question}, "routes")
        if fault:
            return fault
    return None


# Addresses under /forms that are pages of the service, not forms (checkin/routes.py).
RESERVED_FORM_SLUGS = ("check",)


def _check_kind_rules(question: Question, kind: str) -> str | None:
    """What a question may declare depends on the questionnaire's kind."""
    if (question.consent or question.contact_detail) and kind != "report":
        return "only a reporting form's questions can declare consent or contact_detail"
    if question.consent:
        if question.type != "multiple_choice":
            return "a consent question must be a multiple choice"
        allowed = {*SHARING_DESTINATIONS, NO_CONSENT} - {"marac"}
        for value in question.choice_values:
            if value not in allowed:
                return (
                    f"a consent question's choices are organisations a report can be shared with "
                    f"({', '.join(sorted(allowed - {NO_CONSENT}))}) or '{NO_CONSENT}', not '{value}'"
                )
        if question.reportable:
            return "a consent question is kept with the report's consent already: leave out reportable"
    if question.contact_detail and question.reportable:
        return "a contact detail cannot be reportable"
    if (question.points or question.raises_to) and kind != "checklist":
        return "only a checklist's questions can declare points or raises_to"
    if kind == "checklist" and (question.final or question.risk_cue or question.reportable):
        return "a checklist's questions cannot be final, reportable or carry a risk cue"
    return None


def _check_breakdown(question: Question, kind: str) -> str | None:
    """A survey's estimates are broken down by one answer from a list; a report's counts by the
    answers (one or several) of a question kept readable beside it."""
    if not question.breakdown:
        return None
    if kind == "report":
        return None if question.reportable else "a report's breakdown question must be reportable"
    if question.type not in ONE_CHOICE_TYPES:
        return "only a question with one answer from a list can have breakdown"
    return None


def _check_condition(condition: Condition, known: dict[str, Question], where: str) -> str | None:
    for answer in sorted(condition.referenced_answers()):
        if answer not in known:
            return f"{where} refers to '{answer}', which is not a question before this one"
    return _check_condition_values(condition, known, where)


def _check_condition_values(condition: Condition, known: dict[str, Question], where: str) -> str | None:
    if condition.children:
        for child in condition.children:
            fault = _check_condition_values(child, known, where)
            if fault:
                return fault
        return None
    target = known[condition.answer or ""]
    for value in condition.values:
        if target.choice_values and value not in target.choice_values:
            return f"{where} tests '{condition.answer}' for '{value}', which is not one of its choices"
    return None


def _check_routes(questionnaire: Questionnaire, name: str) -> None:
    ids = {q.id for q in questionnaire.questions}
    for question in questionnaire.questions:
        for route in question.routes:
            if route.goto != END and route.goto not in ids:
                raise QuestionnaireError(
                    name, f"routes: goto '{route.goto}' is not a question in this file", question.id
                )
    targets = {route.goto for question in questionnaire.questions for route in question.routes}
    for question in questionnaire.questions:
        if question.final and question.id not in targets:
            raise QuestionnaireError(
                name, "a final notice is shown only when a route leads to it, and no route does", question.id
            )
    cycle = _find_cycle(questionnaire)
    if cycle:
        raise QuestionnaireError(name, "routes make a loop: " + " -> ".join(cycle), cycle[0])


def _find_cycle(questionnaire: Questionnaire) -> list[str] | None:
    """A routing loop as a list of question ids, or None.

    Each question leads to the next in the file and to every route target;
    a loop anywhere in that graph could trap a respondent.
    """
    questions = questionnaire.questions
    edges: dict[str, list[str]] = {}
    for index, question in enumerate(questions):
        targets = [route.goto for route in question.routes if route.goto != END]
        if index + 1 < len(questions):
            targets.append(questions[index + 1].id)
        edges[question.id] = targets

    state: dict[str, int] = {}  # 1: on the current walk, 2: finished
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        trail.append(node)
        for target in edges[node]:
            if state.get(target) == 1:
                return [*trail[trail.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        state[node] = 2
        trail.pop()
        return None

    for question in questions:
        if question.id not in state:
            found = visit(question.id)
            if found:
                return found
    return None


def load_questionnaire(path: Path | str, display_name: str | None = None) -> Questionnaire:
    """Load and check one questionnaire file; raise QuestionnaireError if it is unusable."""
    path = Path(path)
    name = display_name or path.as_posix()
    return load_definition(_read_yaml(path, name), name)


def load_definition(data: Any, name: str) -> Questionnaire:
    """Check a questionnaire given as data (a YAML file's, or a spreadsheet's turned into the same
    shape) and build it; raise QuestionnaireError if it is unusable."""
    if not isinstance(data, dict):
        raise QuestionnaireError(name, "the file must be a mapping with id, version, title and questions")
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise _schema_error(name, data, errors[0])

    questions: list[Question] = []
    earlier: dict[str, Question] = {}
    for raw in data["questions"]:
        if raw["id"] in earlier:
            raise QuestionnaireError(name, "this id is used by more than one question", raw["id"])
        try:
            question = _question(raw)
        except ValueError as error:
            raise QuestionnaireError(name, str(error), raw["id"]) from None
        fault = _check_question(question, earlier)
        if fault:
            raise QuestionnaireError(name, fault, question.id)
        questions.append(question)
        earlier[question.id] = question
    if END in earlier:
        raise QuestionnaireError(name, f"'{END}' is reserved for the end of the questions", END)
    if data.get("kind") == "report" and data.get("slug") in RESERVED_FORM_SLUGS:
        raise QuestionnaireError(
            name, f"the address /forms/{data['slug']} is the service's own: choose another slug"
        )
    if data.get("kind") == "report" and not (data.get("neutral_title") and data.get("slug")):
        # A report's tab title and address are what someone checking the device sees.
        raise QuestionnaireError(
            name, "a report needs a neutral_title and a slug that do not say what it is about"
        )

    kind = data.get("kind", "survey")
    for question in questions:
        fault = _check_breakdown(question, kind) or _check_kind_rules(question, kind)
        if fault:
            raise QuestionnaireError(name, fault, question.id)
    asked = [question.consent for question in questions if question.consent]
    if len(asked) != len(set(asked)):
        repeated = next(part for part in asked if asked.count(part) > 1)
        raise QuestionnaireError(name, f"only one question can ask consent for {repeated}")
    scoring = None
    if kind == "checklist":
        if "scoring" not in data:
            raise QuestionnaireError(name, "a checklist needs scoring: its thresholds and next steps")
        try:
            scoring = parse_scoring(data["scoring"])
        except ValueError as error:
            raise QuestionnaireError(name, str(error)) from None
        for level, step in scoring.next_steps.items():
            if step.destination is not None and step.destination not in SHARING_DESTINATIONS:
                raise QuestionnaireError(
                    name,
                    f"scoring: the next step for {level} names an unknown destination '{step.destination}'",
                )
    elif "scoring" in data or "for_forms" in data:
        raise QuestionnaireError(name, "only a checklist can declare scoring or for_forms")
    areas = [question.id for question in questions if question.area]
    if len(areas) > 1:
        raise QuestionnaireError(
            name, f"only one question can be the area, and '{areas[0]}' already is", areas[1]
        )

    declared_by: dict[str, str] = {}
    for question in questions:
        if question.measure:
            measure_id = question.measure.id
            if measure_id in declared_by:
                raise QuestionnaireError(
                    name,
                    f"the measure id '{measure_id}' is also declared by '{declared_by[measure_id]}'",
                    question.id,
                )
            declared_by[measure_id] = question.id

    questionnaire = Questionnaire(
        id=data["id"],
        version=data["version"],
        title=data["title"],
        description=data.get("description", ""),
        questions=tuple(questions),
        introduction=tuple(data.get("introduction", ())),
        minutes=data.get("minutes"),
        source_file=name,
        kind=data.get("kind", "survey"),
        slug=data["slug"] if "slug" in data else data["id"],
        neutral_title=data.get("neutral_title"),
        scoring=scoring,
        for_forms=tuple(data.get("for_forms", ())),
    )
    _check_routes(questionnaire, name)
    return questionnaire


def load_directory(directory: Path | str) -> dict[str, Questionnaire]:
    """Every questionnaire in `directory`, by id. The first bad file raises."""
    found: dict[str, Questionnaire] = {}
    for path in questionnaire_files(directory):
        questionnaire = load_questionnaire(path, f"{Path(directory).name}/{path.name}")
        if questionnaire.id in found:
            raise QuestionnaireError(
                questionnaire.source_file,
                f"the id '{questionnaire.id}' is also used by {found[questionnaire.id].source_file}",
            )
        found[questionnaire.id] = questionnaire
    return found


def questionnaire_files(directory: Path | str) -> Iterable[Path]:
    return sorted(Path(directory).glob("*.yaml"))
