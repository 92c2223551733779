"""The application factory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import audit, models  # noqa: F401 - the tables must be known to the migrations
from .assets import init_assets
from .centres import init_centres
from .checkin import init_checkin
from .config import load_config
from .database import init_database
from .encryption import init_encryption
from .errors import init_errors
from .extensions import csrf, db, migrate
from .i18n import init_i18n
from .insight import init_insight
from .kpis import init_kpis
from .library import init_library
from .logs import init_logs
from .rate_limits import init_rate_limits
from .registry import init_registry
from .reports import followup as report_followup  # noqa: F401
from .reports import models as report_models  # noqa: F401
from .reports import risk as report_risk  # noqa: F401
from .reports import sharing as report_sharing  # noqa: F401
from .security import init_security
from .staff import init_staff
from .staff import models as staff_models  # noqa: F401
from .survey.held import init_held
from .templating import init_templating
from .triage import init_triage  # also makes the triage tables known to the migrations


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment; `overrides` is for tests."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(minutes=app.config["SURVEY_IDLE_MINUTES"])

    if app.config.get("TRUSTED_PROXY_COUNT"):
        hops = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    init_security(app)
    init_logs(app)
    init_encryption(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"))
    csrf.init_app(app)
    init_rate_limits(app)
    init_i18n(app)
    init_registry(app)
    init_centres(app)
    init_templating(app)
    init_assets(app)
    init_errors(app)
    init_held(app)

    from . import cli, health, home, kiosk, safety, shortlinks
    from .survey import routes as survey_routes

    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(survey_routes.bp)
    # The same journey serves the reporting forms, at neutral addresses.
    app.register_blueprint(survey_routes.bp, url_prefix="/forms", name="report")
    app.register_blueprint(safety.bp)
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(shortlinks.bp)
    init_staff(app)
    init_triage(app)
    init_checkin(app)
    init_insight(app)
    init_kpis(app)
    init_library(app)
    cli.register(app)
    return app
