"""ClientWatch settings: one file, read from the environment.

Every value a deployment may change comes from an environment variable (or a `.env`
file beside manage.py). Defaults are for development on a bare checkout: SQLite, a
Celery broker in local folders, mail written to `var/mail`. Malformed values fail
loudly at start-up rather than half-working.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from environs import Env

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()
env.read_env(str(BASE_DIR / ".env"), recurse=False)

# Runtime files of a development checkout (db, mail, broker, beat's schedule).
VAR_DIR = env.path("VAR_DIR", default=BASE_DIR / "var")


def email_settings(url: str) -> dict[str, object]:
    """Translate EMAIL_URL into Django's EMAIL_* settings.

    smtp://host:25, smtp+tls://user:pass@host:587 (STARTTLS), smtp+ssl://host:465,
    file:///absolute/folder, console://, locmem://.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    backends = {
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
    }
    if scheme not in backends:
        raise ValueError(f"EMAIL_URL: unsupported scheme {scheme!r}; use one of {sorted(backends)}")
    config: dict[str, object] = {"EMAIL_BACKEND": backends[scheme]}
    if scheme == "file":
        config["EMAIL_FILE_PATH"] = unquote(parts.path)
    elif scheme.startswith("smtp"):
        if not parts.hostname:
            raise ValueError("EMAIL_URL: an SMTP URL needs a host, e.g. smtp://127.0.0.1:1025")
        config |= {
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": parts.port or {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}[scheme],
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": scheme == "smtp+tls",
            "EMAIL_USE_SSL": scheme == "smtp+ssl",
        }
    return config


DEBUG = env.bool("DEBUG", default=True)

# Development gets a fixed key so a bare checkout runs; production must set its own.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. It is required when DEBUG is off: put a long random value "
            "in the environment or in .env, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-deploy"  # noqa: S105 (dev only)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "clients",
    "invoices",
    "invoices.bank",
    "invoices.ninja",
    "redflags",
    "clientwatch",  # its ready() hooks login up to the second factor
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clientwatch.middleware.FreelancerZoneMiddleware",  # the freelancer's time zone, per request
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clientwatch.second_factor.SecondFactorMiddleware",  # after OTP and htmx: reads both
    "clientwatch.sessions.SessionSeenMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "clientwatch.urls"
WSGI_APPLICATION = "clientwatch.wsgi.application"

CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "django.template.context_processors.i18n",
    "clientwatch.context_processors.development",
]
TEMPLATES = [
    {
        # Plain text (*.txt: email subjects and bodies, letters), without HTML escaping.
        "NAME": "plain_text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "autoescape": False,
            # Mail is rendered without a request; the list is here for the admin's checks,
            # which read the first engine's.
            "context_processors": CONTEXT_PROCESSORS,
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    ["clientwatch.template_loaders.PlainTextLoader"],
                )
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": CONTEXT_PROCESSORS,
        },
    },
]

DATABASES = {
    "default": env.dj_db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share one SQLite file in development.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A kept connection that the server dropped (a restart, a failover, an idle timeout) is
# replaced at the start of the next request instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The sign-up and password-reset throttle counts (clientwatch.throttle) live here. Per process
# by default; with several web processes point CACHE_URL at Redis (redis://host:6379/1).
CACHES = {
    "default": env.dj_cache_url("CACHE_URL", default="locmem://"),
    # Rendered page fragments (dashboard rows, blank forms), keyed on a hash of everything
    # they show: never invalidated, so a cache of each process's own is enough.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": 24 * 60 * 60,
        "OPTIONS": {"MAX_ENTRIES": 5_000},  # at most about 10 MB: a row is 2 KB, a form 5
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60  # reset links expire within the hour

# Login throttling (django-axes): five wrong passwords for one username from one address
# lock that pair for a quarter of an hour; others, and that user elsewhere, still get in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out attempt
    # Django's ModelBackend, loading the freelancer's profile (their time zone) with the user.
    "clientwatch.middleware.ProfileBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "clientwatch.throttle.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "clientwatch.throttle.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # keep failures only, not a record of every login
AXES_VERBOSE = False  # no banner on every start; lockouts are still logged
# How many reverse proxies, each appending to X-Forwarded-For, stand in front of the app;
# 0 trusts only the connection's own address. Throttling counts per client address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ms", "Bahasa Melayu"),
    ("id", "Bahasa Indonesia"),
    ("fi", "Suomi"),
    ("fy", "Frysk"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Number formats for languages Django has none for (see the module).
FORMAT_MODULE_PATH = ["clientwatch.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "uploads")  # never under STATIC_ROOT


def files_storage() -> dict[str, object]:
    """Where evidence uploads and rendered reports go: under MEDIA_ROOT, or with
    FILES_S3_BUCKET set, an S3-compatible bucket that every machine shares. Objects get no
    ACL, so they keep the bucket's private default, and stored files never get a public
    URL: the app serves them only through its own owner-checked views."""

    def optional(name: str) -> str | None:
        return env.str(name, default="") or None  # set but empty (compose) is unset too

    bucket = env.str("FILES_S3_BUCKET", default="")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": optional("FILES_S3_ENDPOINT_URL"),
            "region_name": optional("FILES_S3_REGION"),
            # Unset: boto3's own chain (instance role, AWS_* variables, ~/.aws).
            "access_key": optional("FILES_S3_ACCESS_KEY_ID"),
            "secret_key": optional("FILES_S3_SECRET_ACCESS_KEY"),
            "custom_domain": optional("FILES_S3_CUSTOM_DOMAIN"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "max_memory_size": 1024 * 1024,  # larger downloads spool to a temporary file
        },
    }


STORAGES = {
    "default": files_storage(),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Evidence uploads: small files only; the upload form also checks the type by content.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Mail
# Mail to clients shows the freelancer's name with this address (clients.mail), so the
# default names no product; a display name set here is used only for mail to freelancers.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAIL_DIR = VAR_DIR / "mail"
globals().update(email_settings(env.str("EMAIL_URL", default=f"file://{MAIL_DIR}")))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)  # Django's default is none: a send could hang
# A reminder being sent is held this long; past it, a send abandoned by a dead worker is
# taken over by the retry sweep.
REMINDER_LEASE_SECONDS = env.int("REMINDER_LEASE_SECONDS", default=10 * 60)

# From this many clients, invoices and work logs on, an import is handed to the worker: in the
# request it could outlast the web server's timeout.
IMPORT_BACKGROUND_FROM_ROWS = env.int("IMPORT_BACKGROUND_FROM_ROWS", default=500)
# A bank statement with more credits than this is previewed as a summary (the proposed
# matches only) and its payments are recorded by a worker; a smaller one is edited line
# by line in the preview and recorded in the request.
BANK_BACKGROUND_FROM_CREDITS = env.int("BANK_BACKGROUND_FROM_CREDITS", default=100)
# An Invoice Ninja address may be plain http:// (a server on the same machine in
# development); in production the API token must travel over https.
INVOICE_NINJA_ALLOW_HTTP = env.bool("INVOICE_NINJA_ALLOW_HTTP", default=DEBUG)

# Celery. Without REDIS_URL the broker is a pair of local folders, so development
# needs no server; production points REDIS_URL at Redis.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_TASK_HARD_TIME_LIMIT = 15 * 60
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Must exceed the longest task's hard limit, or Redis redelivers a running task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_HARD_TIME_LIMIT * 2}
else:
    _broker_dir = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"  # beat runs in UTC; each freelancer's local time is computed in code
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged only once done ...
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # ... and requeued if its worker dies mid-task
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = CELERY_TASK_HARD_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_HARD_TIME_LIMIT - 60
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50  # WeasyPrint keeps memory after a render
# PDF rendering is slow and memory-hungry: its own queue, so reminders never wait behind
# it and its workers can be sized (and recycled) on their own. Everything else: "celery".
CELERY_TASK_ROUTES = {"clients.tasks.render_report": {"queue": "reports"}}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # At the top of every hour: each freelancer's reminders once their local 09:00 has
    # come (invoices.schedule), their digest once their digest hour has; a day missed
    # while beat was down is caught up.
    "daily-runs": {"task": "invoices.tasks.dispatch_daily_runs", "schedule": crontab(minute=0)},
    # Sends whose back-off has passed, and sends abandoned by a worker that died.
    "retry-reminders": {"task": "invoices.tasks.retry_pending_reminders", "schedule": 5 * 60},
    # Receipts recorded while the broker was down, due for a retry, or abandoned mid-send.
    "send-pending-receipts": {"task": "invoices.tasks.send_pending_receipts", "schedule": 5 * 60},
    # Imports and reports recorded while the broker was down (or lost) are queued again.
    "requeue-stalled-work": {"task": "clients.tasks.requeue_stalled_work", "schedule": 5 * 60},
    # Hourly: what changed in each connected Invoice Ninja since its last pull.
    "pull-from-invoice-ninja": {
        "task": "invoices.ninja.tasks.pull_all_from_ninja",
        "schedule": 60 * 60,
    },
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3  # a request that queues work must not hang on a dead broker
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# Sessions stay in the database, in a table that knows whose each is (clients.AccountSession),
# so an account can list its sessions and sign any of them out (clientwatch.sessions).
SESSION_ENGINE = "clientwatch.sessions"

# A second factor at login (clientwatch.second_factor). Optional per account; with
# REQUIRE_SECOND_FACTOR on, an account without one can only set one up.
REQUIRE_SECOND_FACTOR = env.bool("REQUIRE_SECOND_FACTOR", default=False)
OTP_TOTP_ISSUER = "ClientWatch"
OTP_WEBAUTHN_RP_NAME = "ClientWatch"
# The relying party is the host the browser reached (already checked against ALLOWED_HOSTS).
OTP_WEBAUTHN_RP_ID_CALLABLE = "clientwatch.second_factor.relying_party_id"
OTP_WEBAUTHN_HELPER_CLASS = "clientwatch.second_factor.PasskeyHelper"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ALLOWED_ORIGINS",
    default=[f"https://{host}" for host in ALLOWED_HOSTS if host and host[0] not in "*."]
    or ["https://localhost"],
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # a passkey is the second step, after the password

# Open sign-up: anyone may make an account, which must prove its email address (a signed
# link) before it may mail any client, and then mails at most CLIENT_MAIL_DAILY_LIMIT
# clients a day (clientwatch.sending). With sign-up closed, accounts come from the admin.
SIGNUP_OPEN = env.bool("SIGNUP_OPEN", default=DEBUG)
CLIENT_MAIL_DAILY_LIMIT = env.int("CLIENT_MAIL_DAILY_LIMIT", default=100)
EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 60 * 60  # a verification link works for three days

# Production hardening: on whenever DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): no inline script, nothing from other origins. The
# htmx script tag carries the request's nonce; htmx itself is configured in base.html not to
# eval or inject styles. Inline style *attributes* are allowed for one reason: the reminder
# preview shows the email's HTML (styled inline, as mail clients need) in a sandboxed srcdoc
# iframe, which inherits this policy. <style> elements stay blocked.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every render step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes narrates every login at INFO; failures and lockouts are WARNINGs.
        "axes": {"level": "WARNING"},
    },
}

for _folder in (
    VAR_DIR,
    MAIL_DIR,
    STATIC_ROOT,
    VAR_DIR / "celery" / "queue",
    VAR_DIR / "celery" / "control",
):
    _folder.mkdir(parents=True, exist_ok=True)
