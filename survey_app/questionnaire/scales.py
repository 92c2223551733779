"""The standard answer scales, worded as in the Crime Survey for England and Wales."""

from .model import DONT_KNOW, PREFER_NOT_TO_SAY, Choice

AGREEMENT = (
    Choice("strongly_agree", "Strongly agree"),
    Choice("tend_to_agree", "Tend to agree"),
    Choice("neither", "Neither agree nor disagree"),
    Choice("tend_to_disagree", "Tend to disagree"),
    Choice("strongly_disagree", "Strongly disagree"),
)

RATING = (
    Choice("excellent", "Excellent"),
    Choice("good", "Good"),
    Choice("fair", "Fair"),
    Choice("poor", "Poor"),
    Choice("very_poor", "Very poor"),
)

YES_NO = (
    Choice("yes", "Yes"),
    Choice("no", "No"),
)

DEFAULT_CHOICES = {"agreement": AGREEMENT, "rating": RATING, "yes_no": YES_NO}

DONT_KNOW_CHOICE = Choice(DONT_KNOW, "Don't know", exclusive=True)
PREFER_NOT_TO_SAY_CHOICE = Choice(PREFER_NOT_TO_SAY, "Prefer not to say", exclusive=True)
