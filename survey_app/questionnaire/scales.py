"""The standard answer scales, worded as in the Crime Survey for England and Wales."""

from .model import DONT_KNOW, PREFER_NOT_TO_SAY, Choice

# The catalogs hold the standard wording once more under this context, so that a questionnaire
# the catalogs have never seen (one imported from a spreadsheet) has its scales translated.
STANDARD_CONTEXT = "answer scale"


def standard(context: str, text: str) -> str:
    """Marks standard wording for the catalogs (`make translations` reads `standard` as pgettext);
    i18n.qtext translates it."""
    return text


AGREEMENT = (
    Choice("strongly_agree", standard("answer scale", "Strongly agree")),
    Choice("tend_to_agree", standard("answer scale", "Tend to agree")),
    Choice("neither", standard("answer scale", "Neither agree nor disagree")),
    Choice("tend_to_disagree", standard("answer scale", "Tend to disagree")),
    Choice("strongly_disagree", standard("answer scale", "Strongly disagree")),
)

RATING = (
    Choice("excellent", standard("answer scale", "Excellent")),
    Choice("good", standard("answer scale", "Good")),
    Choice("fair", standard("answer scale", "Fair")),
    Choice("poor", standard("answer scale", "Poor")),
    Choice("very_poor", standard("answer scale", "Very poor")),
)

YES_NO = (
    Choice("yes", standard("answer scale", "Yes")),
    Choice("no", standard("answer scale", "No")),
)


DONT_KNOW_CHOICE = Choice(DONT_KNOW, standard("answer scale", "Don't know"), exclusive=True)
PREFER_NOT_TO_SAY_CHOICE = Choice(
    PREFER_NOT_TO_SAY, standard("answer scale", "Prefer not to say"), exclusive=True
)
STANDARD_TEXTS = frozenset(
    choice.label for choice in (*AGREEMENT, *RATING, *YES_NO, DONT_KNOW_CHOICE, PREFER_NOT_TO_SAY_CHOICE)
)
