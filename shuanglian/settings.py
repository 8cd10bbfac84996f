"""Settings for shuanglian, read from environment variables.

DATABASE_URL unset means SQLite in the project folder. DEBUG is off unless asked for, and
with DEBUG off SECRET_KEY must be given, long and random, and the production security
settings apply. A development checkout's .env fills in what the environment leaves unset,
never with DEBUG off.
"""

import datetime
import ipaddress
import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, *, default: bool) -> bool:
    """Read a boolean; anything but a clear yes/no is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


def env_int(name: str, *, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, *, default: list[str]) -> list[str]:
    """A comma-separated list of addresses or networks (10.0.0.0/24), or * for any."""
    values = env_list(name, default=default)
    for value in values:
        if value == "*":
            continue
        try:
            ipaddress.ip_network(value)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not an address or network (e.g. 10.0.0.0/24)."
            ) from None
    return values


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines; blank lines and # comments are skipped, quotes around a value dropped."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not key.isidentifier():
            raise ImproperlyConfigured(f"{path}, line {number}: not a KEY=value line.")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def load_development_defaults(path: Path) -> None:
    """Take a development checkout's settings from its .env (scripts/serve writes DEBUG=true
    and a random SECRET_KEY there), beneath the real environment.

    Production stays fail-closed: the file is not read at all when the environment says DEBUG
    is off, or gives a SECRET_KEY without DEBUG (as a production machine's does), and it is
    used only if it leaves DEBUG on.
    """
    debug = os.environ.get("DEBUG")
    if debug is None and "SECRET_KEY" in os.environ:
        return
    if debug is not None and debug.strip().lower() not in _TRUE:
        return
    if not path.is_file():
        return
    values = read_env_file(path)
    if debug is None and values.get("DEBUG", "").strip().lower() not in _TRUE:
        return
    for key, value in values.items():
        os.environ.setdefault(key, value)


# ENV_FILE empty: no file (the tests run with none, whatever a checkout holds).
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    load_development_defaults(Path(ENV_FILE))

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 10
# Words of keys copied from examples and templates rather than generated.
_PLACEHOLDER_KEY = re.compile(r"change[-_ ]?me|secret|insecure|example|placeholder", re.IGNORECASE)


def weak_secret_key(key: str) -> str | None:
    """Why a production SECRET_KEY is unsafe (sessions and password resets are signed with
    it), or None for a long random one."""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it is {len(key)} characters long, fewer than {SECRET_KEY_MIN_LENGTH}"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE:
        return f"it has fewer than {SECRET_KEY_MIN_UNIQUE} different characters"
    if key.lower().startswith("django-insecure"):
        return "it starts with 'django-insecure'"
    placeholder = _PLACEHOLDER_KEY.search(key)
    if placeholder:
        return f"it contains {placeholder.group(0)!r}, like a key copied from an example"
    return None


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed key so sessions survive restarts of the dev server.
    SECRET_KEY = "django-insecure-shuanglian-development-key-not-for-production"  # noqa: S105
elif not DEBUG and (weakness := weak_secret_key(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"SECRET_KEY is not safe for production: {weakness}. Make one with "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "shuanglian.admin_apps.CampaignAdminConfig",  # django.contrib.admin, our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "import_export",
    "django_tasks",
    "shuanglian.admin_apps.TasksDatabaseConfig",  # django_tasks_db, named for the admin
    "axes",
    "csp",
    "villages",
    "units",
    "visits",
    "projects",
    "assessments",
    "satisfaction",
    "reminders",
    "visitflags",
    "devdata",  # the demo data and the synthetic city, with their commands; no models
    # Last: composes the admin of the apps above and holds the project-wide commands.
    "shuanglian",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files answered before sessions, locale or authentication run.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every page says where its scripts, styles and forms may come from (CONTENT_SECURITY_POLICY).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shuanglian.access.middleware.SessionLifetimeMiddleware",
    "shuanglian.access.middleware.PasswordChangeRequiredMiddleware",
    "shuanglian.access.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a refused sign-in into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shuanglian.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "satisfaction.context.interviews",
                "reminders.context.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "shuanglian.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Each gunicorn worker keeps its connection between requests; the development server
        # starts a thread per request, so there it would only leave connections behind.
        conn_max_age=env_int("CONN_MAX_AGE", default=0 if DEBUG else 60),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", default=True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a long write is running.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;"}
else:
    # A page reads a few dozen rows by index; starting parallel workers for it costs more
    # than they save (the hand-over list on the generated city: 112 ms without, 55 ms with 0).
    DATABASES["default"]["OPTIONS"] = {
        "options": f"-c max_parallel_workers_per_gather={env_int('DB_PARALLEL_WORKERS', default=0)}"
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "shuanglian.access.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    # Three of four kinds of characters; also records when a password changed.
    {"NAME": "shuanglian.access.passwords.CharacterClassesValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# A password older than this must be changed at the next sign-in; 0 turns the rule off.
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", default=90)

AUTHENTICATION_BACKENDS = [
    "shuanglian.access.backends.LockoutBackend",
    "shuanglian.access.backends.InServiceBackend",
]
# Five failed sign-ins for one user name from one address pause that pair for 30 minutes;
# other addresses, and other users from the same address, can still sign in.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("SIGN_IN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "common.client_address.client_ip"
AXES_LOCKOUT_CALLABLE = "shuanglian.access.backends.locked_out"
# Sign-ins are in the audit trail; unlocking early: `manage.py axes_reset_username`.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# Sign-ins and lockouts go to the audit trail; axes need not print its own lines.
AXES_VERBOSE = False

# A session ends after this long without a request, and this long after its sign-in whatever
# happens (see shuanglian.access.middleware.SessionLifetimeMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", default=12)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Dates as 2026-12-01 in both languages (narrow list columns).
FORMAT_MODULE_PATH = ["shuanglian.formats"]

# Uploaded rosters and the error workbooks made from them; not served publicly.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

# Background work (large roster imports): rows in the database, run by `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# The daily digest (reminders.sending) goes out through this backend: in-app notifications,
# reminders.backends.smtp.EmailBackend or reminders.backends.sms.SmsBackend.
REMINDER_BACKEND = os.environ.get("REMINDER_BACKEND", "reminders.backends.inapp.InAppBackend")
# Mail, for the e-mail backend of the digest.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
# The SMS backend of the digest: Aliyun's SendSms, signed with the access key.
SMS_ENDPOINT = os.environ.get("SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
SMS_ACCESS_KEY_ID = os.environ.get("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = os.environ.get("SMS_ACCESS_KEY_SECRET", "")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_TEMPLATE_CODE = os.environ.get("SMS_TEMPLATE_CODE", "")
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", default=10)

# Rosters: the largest file accepted, and the row count above which work goes to the worker.
ROSTER_MAX_MB = env_int("ROSTER_MAX_MB", default=20)
# About 3,000 rows of a typical roster.
ROSTER_BACKGROUND_BYTES = env_int("ROSTER_BACKGROUND_BYTES", default=200 * 1024)
# A batch still checking or importing this long after its process last showed progress lost
# that process (villages.imports.leases).
IMPORT_LEASE_SECONDS = env_int("IMPORT_LEASE_SECONDS", default=300)
# A checked import not confirmed within this many hours expires: the database it was compared
# with has moved on, and nobody should confirm a forgotten preview.
IMPORT_PREVIEW_HOURS = env_int("IMPORT_PREVIEW_HOURS", default=24)
# Searches by digits of resident IDs or phones, per user, for every role (search_rules).
DIGIT_SEARCHES_PER_MINUTE = env_int("DIGIT_SEARCHES_PER_MINUTE", default=20)
DIGIT_SEARCHES_PER_DAY = env_int("DIGIT_SEARCHES_PER_DAY", default=300)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Exports go through common.exports, which keeps formula-like text as text; the library's
# own escaping would drop characters.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves what collectstatic wrote to STATIC_ROOT: hashed names, compressed, cached
# for a year by browsers. Development and tests serve the source folders as they are, so they
# need no collectstatic step.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Campaign-wide numbers a coordinator may want to change without a release.
CITY_CODE = os.environ.get("CITY_CODE", "371700000000")
# Auto-distribution never gives a cadre more households than this, across all villages.
ASSIGNMENT_MAX_PER_CADRE = env_int("ASSIGNMENT_MAX_PER_CADRE", default=10)
# An open need with no progress for longer than this is overdue.
NEED_OVERDUE_DAYS = env_int("NEED_OVERDUE_DAYS", default=15)
# Photos a cadre may add to one visit (入户照片).
VISIT_PHOTOS_MAX = env_int("VISIT_PHOTOS_MAX", default=4)
# A visit's location, recorded with the cadre's consent, is deleted after this many days.
VISIT_LOCATION_RETENTION_DAYS = env_int("VISIT_LOCATION_RETENTION_DAYS", default=180)
# A cadre is reminded of an open need this many days before it becomes overdue.
REMINDER_DEADLINE_DAYS = env_int("REMINDER_DEADLINE_DAYS", default=3)
# Days each level has to handle an escalated need (村报告、乡处理、县办结).
NEED_DEADLINE_DAYS_UNIT = env_int("NEED_DEADLINE_DAYS_UNIT", default=7)
NEED_DEADLINE_DAYS_TOWNSHIP = env_int("NEED_DEADLINE_DAYS_TOWNSHIP", default=10)
NEED_DEADLINE_DAYS_COUNTY = env_int("NEED_DEADLINE_DAYS_COUNTY", default=15)
# Visits flagged for review (走访核查): this many visits by one cadre recorded within this many
# minutes; the same summary of at least this many characters for different households; a
# location this many kilometres from the village beyond its accuracy.
FLAG_RAPID_VISITS = env_int("FLAG_RAPID_VISITS", default=5)
FLAG_RAPID_MINUTES = env_int("FLAG_RAPID_MINUTES", default=15)
FLAG_COPIED_SUMMARY_MIN_CHARS = env_int("FLAG_COPIED_SUMMARY_MIN_CHARS", default=20)
FLAG_FAR_KM = env_int("FLAG_FAR_KM", default=5)
# The 监督电话 printed on notice boards and contact cards; empty leaves the line off.
BOARD_SUPERVISION_PHONE = os.environ.get("BOARD_SUPERVISION_PHONE", "").strip()

# Behind a TLS-terminating proxy set HTTPS=true (the default when DEBUG is off).
HTTPS = env_bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Scripts only from our own static files: an injected <script> or onclick="…" does not run,
# and nothing is evaluated from strings (ECharts needs no eval). Styles may be inline: the
# admin, Select2 and ECharts' tooltips set style attributes, and a style cannot run code.
# The one inline handler allowed is django-import-export's "select all" box on export pages
# (admin/import_export/export.html), by the hash of its exact text.
IMPORT_EXPORT_SELECT_ALL = "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "script-src-attr": [UNSAFE_HASHES, IMPORT_EXPORT_SELECT_ALL],
        "style-src": [SELF, UNSAFE_INLINE],
        # data: for the icons some stylesheets carry inline.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        # The cadre pages' service worker and manifest (visits/offline_views.py).
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
        # The admin's related-object popups are windows; nothing is ever shown in a frame.
        "frame-ancestors": [NONE],
    }
}

# The client address for the audit trail and sign-in lockouts: REMOTE_ADDR, or this request
# header (for example HTTP_X_REAL_IP) when the connection comes from one of the proxies in
# FORWARDED_ALLOW_IPS. Left empty, a client cannot forge its address.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "").strip()
# The addresses (or networks, or *) of the proxies in front of the app: the same variable,
# with the same default, that gunicorn reads for X-Forwarded-* (gunicorn.conf.py).
FORWARDED_ALLOW_IPS = env_networks("FORWARDED_ALLOW_IPS", default=["127.0.0.1", "::1"])

# Resident ID and mobile numbers are masked in every log line and error e-mail.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "shuanglian.log_filters.MaskPersonalNumbers"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
        "mail_admins": {
            "class": "shuanglian.log_filters.MaskedAdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "personal_data"],
        },
    },
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # WeasyPrint reports each step of laying out a PDF report at INFO; its warnings stay.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
