from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clientwatch import security, views
from clientwatch.second_factor import webauthn_urlpatterns
from clientwatch.throttle import throttle_logins, throttle_posts
from invoices import reminder_views

urlpatterns = [
    path("", include("clients.urls")),
    path("", include("clients.import_urls")),
    path("", include("clients.exit_urls")),
    path("", include("clients.wording_urls")),
    path("", include("clients.rate_urls")),
    path("", include("invoices.urls")),
    path("", include("invoices.bank.urls")),
    path("", include("invoices.ninja.urls")),
    path("", include("redflags.urls")),
    # Anyone may post these: a few tries per address, then 429; logins per username too.
    path(
        "accounts/login/",
        throttle_logins(
            auth_views.LoginView.as_view(extra_context={"signup_open": security.signup_is_open})
        ),
        name="login",
    ),
    path(
        "accounts/signup/",
        security.signup_open_only(throttle_posts("signup", limit=10)(views.signup)),
        name="signup",
    ),
    path("accounts/second-factor/", security.second_factor, name="second_factor"),
    path("accounts/verify-email/<str:token>/", security.email_verify, name="email_verify"),
    path("accounts/passkeys/", include((webauthn_urlpatterns, "otp_webauthn"))),
    path(
        "accounts/password_reset/",
        throttle_posts("password_reset", limit=5)(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "invoices/<int:invoice_pk>/reminders/<str:stage>/",
        reminder_views.reminder_preview,
        name="reminder_preview",
    ),
    path(
        "invoices/<int:invoice_pk>/reminders/<str:stage>/send/",
        reminder_views.reminder_send,
        name="reminder_send",
    ),
    path("reminders/<int:pk>/", reminder_views.reminder_detail, name="reminder_detail"),
    path("welcome/", views.onboarding, name="onboarding"),
    path("settings/", views.profile_settings, name="profile_settings"),
    path("settings/logo/", views.profile_logo, name="profile_logo"),
    path("settings/rules/", views.rule_settings, name="rule_settings"),
    path("settings/security/", security.security, name="security"),
    path(
        "settings/security/authenticator/",
        security.second_factor_setup,
        name="second_factor_setup",
    ),
    path(
        "settings/security/authenticator/<int:pk>/remove/",
        security.authenticator_remove,
        name="authenticator_remove",
    ),
    path(
        "settings/security/passkeys/<int:pk>/remove/",
        security.passkey_remove,
        name="passkey_remove",
    ),
    path("settings/security/recovery-codes/", security.recovery_codes, name="recovery_codes"),
    path("settings/security/off/", security.second_factor_off, name="second_factor_off"),
    path("settings/security/sessions/end/", security.session_sign_out, name="session_sign_out"),
    path(
        "settings/security/sessions/end-others/",
        security.sessions_sign_out_others,
        name="sessions_sign_out_others",
    ),
    path(
        "settings/security/verify-email/",
        throttle_posts("verify_email", limit=5)(security.email_verification_resend),
        name="email_verification_resend",
    ),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += [
        path("dev/mail/", views.dev_mail, name="dev_mail"),
        path("dev/mail/<str:name>/<int:index>/", views.dev_mail_message, name="dev_mail_message"),
        path("dev/mail/<str:name>/<int:index>/html/", views.dev_mail_html, name="dev_mail_html"),
        path("dev/mail/<str:name>/<int:index>/raw/", views.dev_mail_raw, name="dev_mail_raw"),
        path(
            "dev/mail/<str:name>/<int:index>/part/<int:number>/",
            views.dev_mail_part,
            name="dev_mail_part",
        ),
    ]
