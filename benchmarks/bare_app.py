"""The ceiling for benchmarks/load_bench.py: the least a Flask page can cost on the same gunicorn.

A bare Flask app that answers with 10 KB of fixed HTML (about the size of a question page).
"""

from flask import Flask

app = Flask(__name__)

PAGE = "<!DOCTYPE html><html lang=en><title>Bare</title><body>" + "<p>Safer Trafford</p>" * 480


@app.get("/")
def page() -> str:
    return PAGE
