"""The JSON Schema of a questionnaire file (the shape; loader.py checks the sense).

Each question type adds its own settings (types/): a question's properties are the common ones
below and every type's settings; the loader then refuses a setting its type does not have.
"""

from .types import TYPES

_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 64}
_TEXT = {"type": "string", "minLength": 1}

_CONDITION = {
    "type": "object",
    "minProperties": 1,
    "properties": {
        "answer": _ID,
        "equals": {"type": "string"},
        "in": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "not_in": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "answered": {"type": "boolean"},
        "all": {"type": "array", "items": {"$ref": "#/$defs/condition"}, "minItems": 1},
        "any": {"type": "array", "items": {"$ref": "#/$defs/condition"}, "minItems": 1},
        "not": {"$ref": "#/$defs/condition"},
    },
    "additionalProperties": False,
}

_CHOICE = {
    "type": "object",
    "required": ["value", "label"],
    "properties": {
        "value": _ID,
        "label": _TEXT,
        "hint": _TEXT,
        "exclusive": {"type": "boolean"},
    },
    "additionalProperties": False,
}

_QUESTION = {
    "type": "object",
    "required": ["id", "type", "title"],
    "properties": {
        "id": _ID,
        "type": {"enum": list(TYPES)},
        "title": _TEXT,
        "short_label": _TEXT,
        "hint": _TEXT,
        "required": {"type": "boolean"},
        "dont_know": {"type": "boolean"},
        "prefer_not_to_say": {"type": "boolean"},
        "choices": {"type": "array", "items": _CHOICE, "minItems": 2},
        "show_if": {"$ref": "#/$defs/condition"},
        "routes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["when", "goto"],
                "properties": {"when": {"$ref": "#/$defs/condition"}, "goto": _ID},
                "additionalProperties": False,
            },
        },
        "measure": {
            "type": "object",
            "required": ["id", "label"],
            "properties": {
                "id": _ID,
                "label": _TEXT,
                "statistic": {"enum": ["proportion", "mean"]},
                "positive": {"type": "array", "items": _ID, "minItems": 1},
                "excluded_from_base": {"type": "array", "items": _ID},
            },
            "additionalProperties": False,
        },
        "weighting_variable": _ID,
        "breakdown": {"type": "boolean"},
        "area": {"type": "boolean"},
        "paragraphs": {"type": "array", "items": _TEXT},
        "final": {"type": "boolean"},
        "reportable": {"type": "boolean"},
        "risk_cue": {
            "type": "object",
            "required": ["label", "when"],
            "properties": {"label": _TEXT, "when": {"type": "array", "items": _ID, "minItems": 1}},
            "additionalProperties": False,
        },
        "consent": {"enum": ["contact_details", "what_happened"]},
        "contact_detail": {"type": "boolean"},
        "points": {"type": "object", "propertyNames": _ID, "additionalProperties": {"type": "integer"}},
        "raises_to": {"type": "object", "propertyNames": _ID, "additionalProperties": {"type": "string"}},
        **{name: spec for kind in TYPES.values() for name, spec in kind.settings.items()},
        "errors": {
            "type": "object",
            "propertyNames": _ID,
            "additionalProperties": _TEXT,
        },
    },
    "additionalProperties": False,
}

QUESTIONNAIRE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "version", "title", "questions"],
    "properties": {
        "id": _ID,
        "version": {"type": "integer", "minimum": 1},
        "title": _TEXT,
        "description": _TEXT,
        "introduction": {"type": "array", "items": _TEXT},
        "minutes": {"type": "integer", "minimum": 1},
        "kind": {"enum": ["survey", "report", "checklist"]},
        "for_forms": {"type": "array", "items": _ID},
        "scoring": {
            "type": "object",
            "properties": {
                "thresholds": {
                    "type": "object",
                    "propertyNames": _ID,
                    "additionalProperties": {"type": "integer"},
                },
                "next_steps": {
                    "type": "object",
                    "propertyNames": _ID,
                    "additionalProperties": {
                        "type": "object",
                        "required": ["text", "within_hours"],
                        "properties": {
                            "text": _TEXT,
                            "within_hours": {"type": "integer", "minimum": 1, "maximum": 8760},
                            "destination": _ID,
                        },
                        "additionalProperties": False,
                    },
                },
            },
            "required": ["thresholds"],
            "additionalProperties": False,
        },
        "slug": {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$", "maxLength": 64},
        "neutral_title": _TEXT,
        "questions": {"type": "array", "items": _QUESTION, "minItems": 1},
    },
    "additionalProperties": False,
    "$defs": {"condition": _CONDITION},
}
