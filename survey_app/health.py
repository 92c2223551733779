"""GET /healthz: whether the service and its database answer."""

from flask import Blueprint, jsonify

from .database import database_is_up

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    if database_is_up():
        return jsonify(status="ok", database="ok")
    return jsonify(status="error", database="error"), 503
