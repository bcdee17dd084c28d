"""Configuration classes: development, testing and production.

Every setting is read from the environment when a configuration object is
*instantiated* (inside ``create_app``), never at import time, so tests and
commands can change the environment before building an app.
"""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# A key that is fine for a laptop and refused by production.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever the URL's spelling."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    """Settings shared by every environment."""

    NAME = "base"
    DEBUG = False
    TESTING = False

    def __init__(self) -> None:
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(self.database_url())
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = env.get("REDIS_URL") or None

        # Socket.IO: gevent in the served app (gunicorn -k gevent); eventlet is never used.
        self.SOCKETIO_ASYNC_MODE = env.get("SOCKETIO_ASYNC_MODE", "gevent")
        # Redis pub/sub channel shared by the processes of one site (REDIS_URL set); sites or test
        # runs sharing one Redis use different channels.
        self.SOCKETIO_CHANNEL = env.get("SOCKETIO_CHANNEL", "flask-socketio")

        # Mail: every message goes through the outbox table first.
        self.MAIL_BACKEND = env.get("MAIL_BACKEND", "log")  # log | smtp | memory
        self.MAIL_SERVER = env.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = _env_int("MAIL_PORT", 587)
        self.MAIL_USERNAME = env.get("MAIL_USERNAME")
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD")
        self.MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
        self.MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
        self.MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "LMS <no-reply@lms.local>")
        self.MAIL_DELIVER_IN_BACKGROUND = True

        # Number of reverse proxies in front of the app whose X-Forwarded-* headers
        # are trusted (the client address is used for login rate limits).
        self.PROXY_COUNT = _env_int("PROXY_COUNT", 0)

        # Absolute address used in emailed links (invitations, password resets).
        self.SITE_URL = env.get("SITE_URL", "http://127.0.0.1:5000").rstrip("/")

        # Account rules.
        self.INVITATION_TTL_HOURS = _env_int("INVITATION_TTL_HOURS", 24 * 14)
        self.PASSWORD_RESET_TTL_MINUTES = _env_int("PASSWORD_RESET_TTL_MINUTES", 60)
        self.LOGIN_MAX_FAILURES_PER_ACCOUNT = _env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = _env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
        self.LOGIN_FAILURE_WINDOW_MINUTES = _env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
        # argon2id parameters (RFC 9106 second recommended option).
        self.ARGON2_TIME_COST = 3
        self.ARGON2_MEMORY_COST = 65536
        self.ARGON2_PARALLELISM = 4

        # Requests and uploads.
        # Offline sessions open for QR check-in this many minutes before they start.
        # Dashboard summaries (lms.dashboard): recomputed when older than this even without a change,
        # and counted as possibly missing a change committed up to this long after a refresh began.
        self.SUMMARY_MAX_AGE_SECONDS = _env_int("SUMMARY_MAX_AGE_SECONDS", 60 * 60)
        self.SUMMARY_IN_FLIGHT_SECONDS = _env_int("SUMMARY_IN_FLIGHT_SECONDS", 2)
        self.OFFLINE_CHECKIN_EARLY_MINUTES = _env_int("OFFLINE_CHECKIN_EARLY_MINUTES", 30)
        # Outputs (a dance film, a book) may be larger than other uploads; nginx must allow it too.
        self.OUTPUT_MAX_FILE_MB = _env_int("OUTPUT_MAX_FILE_MB", 200)
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 60 * 1024 * 1024)
        self.CSV_IMPORT_MAX_BYTES = 1024 * 1024
        self.UPLOAD_FOLDER = env.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
        self.RESOURCE_MAX_BYTES = _env_int("RESOURCE_MAX_BYTES", 50 * 1024 * 1024)

        # Live sessions: share of the scheduled time (percent) a person must be present to have
        # attended (new sessions start with it; each session can change it), and how long an open
        # connection may go without a sign of life before it counts only up to when it was last seen.
        self.LIVE_ATTENDANCE_THRESHOLD = _env_int("LIVE_ATTENDANCE_THRESHOLD", 75)
        self.LIVE_CONNECTION_STALE_SECONDS = _env_int("LIVE_CONNECTION_STALE_SECONDS", 120)

        # Notifications: the reminder scheduler runs in each server process (started on its first
        # request; cron can run `flask lms send-due-notifications` instead), every this many seconds;
        # at-risk nudges are evaluated at most this often; the daily digest goes at this local hour.
        self.SCHEDULER_ENABLED = _env_bool("SCHEDULER_ENABLED", True)
        self.SCHEDULER_INTERVAL_SECONDS = _env_int("SCHEDULER_INTERVAL_SECONDS", 60)
        self.SCHEDULER_AT_RISK_INTERVAL_SECONDS = _env_int("SCHEDULER_AT_RISK_INTERVAL_SECONDS", 3600)
        self.NOTIFICATION_DIGEST_HOUR = _env_int("NOTIFICATION_DIGEST_HOUR", 8)
        # A participant's message notifies every coordinator (else only those already in the thread).
        self.MESSAGE_NOTIFY_COORDINATORS = _env_bool("MESSAGE_NOTIFY_COORDINATORS", True)

        # Cookies.
        secure = _env_bool("SECURE_COOKIES", self.secure_cookies_default())
        self.SESSION_COOKIE_SECURE = secure
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
        self.PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.HSTS = secure

        # Languages the interface offers; a catalog under lms/translations adds one.
        self.LANGUAGES = ["en", "ko"]
        self.BABEL_DEFAULT_LOCALE = "en"
        self.BABEL_DEFAULT_TIMEZONE = "UTC"
        self.BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "lms" / "translations")

    def database_url(self) -> str:
        url = os.environ.get("DATABASE_URL")
        if url:
            return url
        INSTANCE_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'lms.sqlite3'}"

    def secure_cookies_default(self) -> bool:
        return False


class DevelopmentConfig(Config):
    NAME = "development"
    DEBUG = False  # gunicorn serves it; the debugger is never exposed


class TestingConfig(Config):
    NAME = "testing"
    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "testing-secret-key"
        self.SOCKETIO_ASYNC_MODE = "threading"
        self.MAIL_BACKEND = "memory"
        self.MAIL_DELIVER_IN_BACKGROUND = False
        self.SCHEDULER_ENABLED = False  # tests run the scheduler's work themselves
        # Summaries are current as soon as they are refreshed (tests of the margin set it themselves).
        self.SUMMARY_IN_FLIGHT_SECONDS = 0
        self.UPLOAD_FOLDER = tempfile.mkdtemp(prefix="lms-test-uploads-")
        self.SITE_URL = "http://localhost"
        self.SERVER_NAME = None
        # Cheap hashes keep the suite fast; production parameters are tested separately.
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_COST = 1024
        self.ARGON2_PARALLELISM = 1

    def database_url(self) -> str:
        return os.environ.get("TEST_DATABASE_URL", "sqlite://")


class ProductionConfig(Config):
    NAME = "production"

    def secure_cookies_default(self) -> bool:
        return True

    def __init__(self) -> None:
        super().__init__()
        self.MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
