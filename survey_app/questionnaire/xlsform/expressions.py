"""XLSForm's `relevant` and `constraint` expressions, in the forms this product can evaluate.

An XLSForm writes conditions in XPath (`${visits} = 'yes' and not(selected(${why}, 'other'))`).
The product evaluates its own conditions (model.Condition), so an expression is read into one,
and written back from one; anything else is refused with what to write instead, never guessed at.
Constraints are read only in the range and length forms, which become a question's settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..messages import Message, _

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{(?P<name>[^}]*)\})
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>!=|<=|>=|=|<|>)
      | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
      | (?P<punct>[(),.])
    )""",
    re.VERBOSE,
)


class ExpressionError(ValueError):
    """An expression the product cannot evaluate, with what to write instead."""

    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExpressionError(_("cannot read it from “%(text)s”", text=text[position : position + 20]))
        kind = match.lastgroup or ""
        if kind == "name":  # the inner group of a reference
            kind = "ref"
        value = match.group("name") if kind == "ref" else match.group(kind)
        if kind == "string":
            value = value[1:-1]
        found.append(_Token(kind, value))
        position = match.end()
    return found


class _Reader:
    """A recursive-descent reader of the condition forms, into the YAML condition shape."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self, kind: str, text: str | None = None) -> bool:
        if self.at >= len(self.tokens):
            return False
        token = self.tokens[self.at]
        return token.kind == kind and (text is None or token.text == text)

    def take(self, kind: str, text: str | None = None) -> str:
        if not self.peek(kind, text):
            expected: Message | str = (
                f"“{text}”" if text else _("a ${question}") if kind == "ref" else _("a 'value' in quotes")
            )
            raise ExpressionError(_("expected %(expected)s", expected=expected))
        token = self.tokens[self.at]
        self.at += 1
        return token.text

    def whole(self) -> dict[str, Any]:
        condition = self.either()
        if self.at != len(self.tokens):
            raise ExpressionError(_("cannot read it from “%(text)s”", text=self.tokens[self.at].text))
        return condition

    def either(self) -> dict[str, Any]:
        parts = [self.both()]
        while self.peek("word", "or"):
            self.at += 1
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else _merged(parts, "any", "equals", "in")

    def both(self) -> dict[str, Any]:
        parts = [self.single()]
        while self.peek("word", "and"):
            self.at += 1
            parts.append(self.single())
        return parts[0] if len(parts) == 1 else _merged(parts, "all", "not_in", "not_in")

    def single(self) -> dict[str, Any]:
        if self.peek("word", "not"):
            self.at += 1
            self.take("punct", "(")
            inner = self.either()
            self.take("punct", ")")
            return {"not": inner}
        if self.peek("punct", "("):
            self.at += 1
            inner = self.either()
            self.take("punct", ")")
            return inner
        if self.peek("word", "selected"):
            self.at += 1
            self.take("punct", "(")
            name = self.take("ref")
            self.take("punct", ",")
            value = self.take("string")
            self.take("punct", ")")
            return {"answer": name, "equals": value}
        name = self.take("ref")
        if not (self.peek("op", "=") or self.peek("op", "!=")):
            raise ExpressionError(
                _("a ${question} can only be compared with = or != and a 'value' in quotes")
            )
        op = self.take("op")
        value = self.take("string")
        if value == "":
            return {"answer": name, "answered": op == "!="}
        return {"answer": name, "equals": value} if op == "=" else {"answer": name, "not_in": [value]}


def _merged(parts: list[dict[str, Any]], group: str, each: str, into: str) -> dict[str, Any]:
    """`${a} = 'x' or ${a} = 'y'` is one test of a against a list (likewise `!=` joined by `and`)."""
    names = {part.get("answer") for part in parts}
    if len(names) == 1 and None not in names and all(each in part for part in parts):
        values: list[str] = []
        for part in parts:
            values += [part[each]] if isinstance(part[each], str) else part[each]
        return {"answer": parts[0]["answer"], into: values}
    return {group: parts}


def read_relevant(text: str) -> dict[str, Any]:
    """A `relevant` expression as a condition in the questionnaire files' shape."""
    try:
        return _Reader(text).whole()
    except ExpressionError as error:
        raise ExpressionError(
            _(
                "cannot be evaluated (%(problem)s): write ${question} = 'value', ${question} != 'value', "
                "selected(${question}, 'value'), joined with and, or, not( )",
                problem=error.message,
            )
        ) from None


def write_relevant(condition: Any, multiple: frozenset[str] = frozenset()) -> str:
    """A condition (model.Condition) as a `relevant` expression; `multiple` names the questions
    with several answers, which XLSForm tests with selected()."""
    op = condition.op
    if op in ("all", "any"):
        joiner = " and " if op == "all" else " or "
        return joiner.join(_grouped(child, multiple) for child in condition.children)
    if op == "not":
        return f"not({write_relevant(condition.children[0], multiple)})"
    name = condition.answer
    if op == "answered":
        return f"${{{name}}} != ''"
    if op == "not_answered":
        return f"${{{name}}} = ''"
    if op in ("equals", "in"):
        if name in multiple:
            return " or ".join(f"selected(${{{name}}}, {_quoted(v)})" for v in condition.values)
        return " or ".join(f"${{{name}}} = {_quoted(v)}" for v in condition.values)
    return " and ".join(f"${{{name}}} != {_quoted(v)}" for v in condition.values)


def _grouped(condition: Any, multiple: frozenset[str]) -> str:
    text = write_relevant(condition, multiple)
    return f"({text})" if " and " in text or " or " in text else text


def _quoted(value: str) -> str:
    return f'"{value}"' if "'" in value else f"'{value}'"


_BOUND = re.compile(r"^\.\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)$")
_LENGTH = re.compile(r"^string-length\(\s*\.\s*\)\s*(<=|<)\s*(\d+)$")


def read_constraint(text: str, constraint: str, whole: bool = True) -> dict[str, Any]:
    """A constraint as settings: `min`/`max` for a "range" (of whole numbers when `whole`),
    `max_length` for a "length"."""
    settings: dict[str, Any] = {}
    for part in re.split(r"\s+and\s+", text.strip()):
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        bound = _BOUND.match(part)
        length = _LENGTH.match(part)
        if constraint == "range" and bound:
            key, number = _bound(bound.group(1), bound.group(2), whole)
            if key in settings:
                raise ExpressionError(
                    _("cannot be evaluated: it gives the same limit twice; write each once")
                )
            settings[key] = number
        elif constraint == "length" and length:
            limit = int(length.group(2)) - (1 if length.group(1) == "<" else 0)
            settings["max_length"] = limit
        else:
            example = ". >= 0 and . <= 31" if constraint == "range" else "string-length(.) <= 500"
            raise ExpressionError(_("cannot be evaluated: write it in the form %(example)s", example=example))
    return settings


def _bound(op: str, written: str, whole: bool) -> tuple[str, int | float]:
    key = "min" if op.startswith(">") else "max"
    if "." in written and whole:
        raise ExpressionError(
            _("cannot be evaluated: this question takes whole numbers, so write its limits as whole numbers")
        )
    if whole:
        # A strict bound on whole numbers is the next whole number: ". > 0" is ". >= 1".
        number = int(written)
        return key, number + 1 if op == ">" else number - 1 if op == "<" else number
    if op in ("<", ">"):
        raise ExpressionError(_("cannot be evaluated: write the limits of a decimal number with >= and <="))
    value = float(written)
    return key, int(value) if value.is_integer() else value


def write_constraint(settings: dict[str, Any], constraint: str | None) -> str:
    if constraint == "length" and "max_length" in settings:
        return f"string-length(.) <= {settings['max_length']}"
    parts = []
    if constraint == "range" and settings.get("min") is not None:
        parts.append(f". >= {settings['min']}")
    if constraint == "range" and settings.get("max") is not None:
        parts.append(f". <= {settings['max']}")
    return " and ".join(parts)
