"""Statistics for Safer Trafford Surveys: weighting, estimates with intervals, change tests.

A library and a command line of its own (`python -m analysis`); it imports
nothing from the web application.
"""
