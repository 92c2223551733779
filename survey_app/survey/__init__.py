"""The resident's journey through a survey: start, questions, check answers, confirmation."""
