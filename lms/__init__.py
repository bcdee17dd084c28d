"""lms: a learning platform for hybrid training programs."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, request
from flask_login import current_user

from config import CONFIGS, Config

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config: str | Config | dict | None = None) -> Flask:
    """Build the application.

    ``config`` is a configuration name ("development", "testing",
    "production"), a config object, or a dict of overrides applied on top of
    the configuration named by ``LMS_CONFIG`` (default: development).
    """
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
        instance_path=str(PROJECT_DIR / "instance"),
    )
    overrides = {}
    if isinstance(config, dict):
        overrides, config = config, None
    if config is None or isinstance(config, str):
        name = config or os.environ.get("LMS_CONFIG", "development")
        if name not in CONFIGS:
            raise ValueError(f"unknown configuration {name!r}; choose one of {sorted(CONFIGS)}")
        config = CONFIGS[name]()
    app.config.from_object(config)
    app.config["CONFIG_NAME"] = config.NAME
    app.config.update(overrides)

    if app.config["CONFIG_NAME"] == "production":
        from lms.core.security import check_production_settings

        check_production_settings(app)

    if not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    _init_extensions(app)

    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outermost (after init_socketio wrapped wsgi_app): Socket.IO connections, whose requests
        # are built from the environ the Socket.IO middleware sees, get the forwarded
        # scheme, host and address too (the /live Origin check compares with request.host_url).
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    _register_blueprints(app)
    _register_cli(app)

    from lms.core.errors import register_error_handlers
    from lms.core.security import register_security_headers
    from lms.core.timezones import register_template_helpers
    from lms.core.templating import register_template_context

    register_error_handlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_template_context(app)

    from lms.core.markdown import register_markdown_filter

    register_markdown_filter(app)

    from lms.dashboard.summaries import register_summary_tracking

    register_summary_tracking()

    from lms.notifications.delivery import register_session_hooks

    register_session_hooks()

    from lms.mail.operations import register_request_delivery

    register_request_delivery(app)

    from lms.notifications.scheduler import register_scheduler

    register_scheduler(app)  # reminders: a background loop started by the first request served
    return app


def _init_extensions(app: Flask) -> None:
    from lms.extensions import babel, csrf, db, login_manager, migrate, socketio

    db.init_app(app)
    # Import every model so that metadata (create_all, Alembic) sees all tables.
    import lms.models  # noqa: F401

    with app.app_context():
        from lms.core.database import configure_sqlite

        configure_sqlite(db.engine)

    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    from lms.accounts.sessions import load_user

    login_manager.user_loader(load_user)

    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)

    init_socketio(app)


def init_socketio(app: Flask) -> None:
    """Bind the Socket.IO server (one per process) to this app."""
    from lms.extensions import socketio

    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config.get("REDIS_URL"),
        channel=app.config.get("SOCKETIO_CHANNEL", "flask-socketio"),
    )


def _select_locale():
    from flask import current_app, has_request_context

    if not has_request_context():  # commands, and mail queued outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale

    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "en"


def _select_timezone():
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def _register_blueprints(app: Flask) -> None:
    from lms.accounts.views import bp as accounts_bp
    from lms.assignments.grading_views import bp as grading_bp
    from lms.assignments.settings_views import bp as assignment_settings_bp
    from lms.assignments.submission_views import bp as submissions_bp
    from lms.core.health import bp as health_bp
    from lms.enrolment.views import bp as enrolment_bp
    from lms.home.views import bp as home_bp
    from lms.learning.authoring_views import bp as authoring_bp
    from lms.learning.quiz_views import bp as quizzes_bp
    from lms.learning.views import bp as learning_bp
    from lms.live.views import bp as live_bp
    from lms.live.schedule_views import bp as live_schedule_bp
    from lms.live.attendance_views import bp as attendance_bp
    from lms.notifications.views import bp as notifications_bp
    from lms.programs.views import bp as programs_bp
    from lms.admission.views import bp as admission_bp
    from lms.readiness.views import bp as readiness_bp
    from lms.offline.views import bp as offline_bp
    from lms.outputs.views import bp as outputs_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.announcements.views import bp as announcements_bp
    from lms.reports.views import bp as reports_bp
    from lms.monitoring.views import bp as monitoring_bp
    from lms.dashboard.views import bp as dashboard_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(programs_bp)
    app.register_blueprint(enrolment_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(assignment_settings_bp)
    app.register_blueprint(submissions_bp)
    app.register_blueprint(grading_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(live_bp)
    app.register_blueprint(live_schedule_bp)
    import lms.live.events  # noqa: F401  (Socket.IO handlers of the live room)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(admission_bp)
    app.register_blueprint(readiness_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(outputs_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(announcements_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(monitoring_bp)
    app.register_blueprint(dashboard_bp)


def _register_cli(app: Flask) -> None:
    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)
