"""The JSON Schema of a questionnaire file (the shape; loader.py checks the sense)."""

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
        "type": {
            "enum": [
                "single_choice",
                "multiple_choice",
                "agreement",
                "rating",
                "yes_no",
                "free_text",
                "number",
                "date",
                "postcode",
                "notice",
            ]
        },
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
            "required": ["id", "label", "positive"],
            "properties": {
                "id": _ID,
                "label": _TEXT,
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
        "max_length": {"type": "integer", "minimum": 1, "maximum": 10000},
        "min": {"type": "integer"},
        "max": {"type": "integer"},
        "suffix": _TEXT,
        "width": {"enum": [2, 3, 4, 5, 10, 20, 30]},
        "allow_partial": {"type": "boolean"},
        "allow_approximate": {"type": "boolean"},
        "allow_future": {"type": "boolean"},
        "min_year": {"type": "integer", "minimum": 1000, "maximum": 9999},
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
        "kind": {"enum": ["survey", "report"]},
        "slug": {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$", "maxLength": 64},
        "neutral_title": _TEXT,
        "questions": {"type": "array", "items": _QUESTION, "minItems": 1},
    },
    "additionalProperties": False,
    "$defs": {"condition": _CONDITION},
}
