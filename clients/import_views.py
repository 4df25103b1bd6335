"""Pages for backups and imports: download a backup, upload one, import a CSV file.

Small uploads are imported in the request; large ones become an ImportJob that a worker
imports while the job page polls its progress. Every import goes through backup_import,
which checks the whole file before writing any of it.
"""

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import backup
from clients.csv_import import CsvDocument, csv_read, explain
from clients.import_previews import (
    import_preview_confirm,
    import_preview_create,
    import_start,
    imports_in_background,
    known_clients,
    tool_context,
    tool_document,
    tool_preview_confirm,
    tool_preview_create,
)
from clients.imports import mapping, text
from clients.imports.reading import TOOLS, FileInvalid, Source, read_file
from clients.models import ImportJob, ImportPreview, Profile
from clients.views import HtmxHttpRequest
from clientwatch.once import form_save

BACKUP_PAGE = "clients/import/backup.html"
JOB_PAGE = "clients/import/import_job.html"
CSV_PAGE = "clients/import/csv_import.html"
TOOL_PAGE = "clients/import/tool_import.html"
TOOL_PREVIEW_PAGE = "clients/import/tool_preview.html"
# Skipped rows listed on the preview; the rest are counted.
SKIPPED_SHOWN = 50
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Where previews were kept before they moved to ImportPreview: cleared on sight.
CSV_SESSION_KEY = "csv_import"
KINDS = {
    "settings": gettext_lazy("Settings"),
    "clients": gettext_lazy("Clients"),
    "invoices": gettext_lazy("Invoices"),
    "payments": gettext_lazy("Payments"),
    "fees": gettext_lazy("Late fees"),
    "reminders": gettext_lazy("Reminders sent"),
    "incidents": gettext_lazy("Incidents"),
    "steps": gettext_lazy("Steps tried"),
    "work_logs": gettext_lazy("Work logs"),
    "accounts": gettext_lazy("Managed accounts"),
}


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Backup file (JSON)"))
    accept = ".json,application/json"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = self.accept

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(max)s. Split it into smaller files.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(MAX_UPLOAD_BYTES)}
            )
        return upload


class CsvUploadForm(UploadForm):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (CSV, UTF-8)"))
    accept = ".csv,text/csv"


def result_rows(result: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """An import's counts as table rows, kinds of row with nothing in the file left out."""
    return [
        {"label": label, **result[kind]}
        for kind, label in KINDS.items()
        if kind in result and any(result[kind].values())
    ]


def result_summary(result: dict[str, dict[str, int]]) -> str:
    changed = [
        _("%(kind)s: %(created)d new, %(updated)d updated")
        % {"kind": row["label"], "created": row["created"], "updated": row["updated"]}
        for row in result_rows(result)
        if row["created"] or row["updated"]
    ]
    if not changed:
        return _("Nothing to import: everything in the file was already here.")
    return _("Imported. %(counts)s.") % {"counts": "; ".join(changed)}


def import_now_or_later(
    request: HtmxHttpRequest, document: dict[str, Any], *, payload: str, filename: str
) -> HttpResponse:
    """Import a parsed document: in the request when small, else as a background job.

    Raises BackupInvalid (nothing written) when a small document does not check out.
    """
    done = import_start(owner=request.user, document=document, payload=payload, filename=filename)
    if isinstance(done, ImportJob):
        return redirect("import_job", pk=done.pk)
    messages.success(request, result_summary(asdict(done)))
    return redirect("dashboard")


# Backup: download and upload


@login_required
@require_GET
def backup_download(request: HtmxHttpRequest) -> HttpResponse:
    document = backup.backup_export(owner=request.user)
    response = HttpResponse(
        backup.backup_dumps(document), content_type="application/json; charset=utf-8"
    )
    filename = f"clientwatch-backup-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def backup_upload(request: HtmxHttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read()
        try:
            document = backup.backup_parse(raw)
            # backup_parse has decoded it already, so this cannot fail; the job keeps the
            # text as written (numbers as the file spells them).
            payload = raw.decode("utf-8-sig")
            done = form_save(
                request,
                form,
                lambda: import_now_or_later(
                    request, document, payload=payload, filename=upload.name
                ),
                once=lambda response: response.url,
            )
            if done.repeat or done.ok:
                return done.repeat or done.value
        except backup.BackupInvalid as invalid:
            problems = invalid.problems
    context = {"form": form, "problems": problems, "max_upload_bytes": MAX_UPLOAD_BYTES}
    return render(request, BACKUP_PAGE, context)


# Background import jobs


def job_stalled(job: ImportJob) -> bool:
    """A job unfinished long after any worker would have given up on it (a worker killed
    mid-import): nothing of it was written, and polling on would never end."""
    limit = timedelta(seconds=2 * settings.CELERY_TASK_HARD_TIME_LIMIT)
    finished = job.state in (ImportJob.State.DONE, ImportJob.State.FAILED)
    return not finished and job.created_at < timezone.now() - limit


@login_required
@require_GET
def import_job(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.for_owner(request.user), pk=pk)
    stalled = job_stalled(job)
    problems = job.problems
    if job.state == ImportJob.State.FAILED and problems:
        # A CSV file's job: its problems named by row and column, as its preview names them.
        origins = (
            ImportPreview.objects.for_owner(request.user)
            .filter(outcome__job=job.pk)
            .values_list("origins", flat=True)
            .first()
        )
        problems = mapping.explain(explain(problems, origins), origins) if origins else problems
    context = {
        "job": job,
        "problems": problems,
        "stalled": stalled,
        "polling": job.state in (ImportJob.State.PENDING, ImportJob.State.RUNNING) and not stalled,
        "result_rows": result_rows(job.result),
    }
    template = f"{JOB_PAGE}#progress" if request.htmx else JOB_PAGE
    return render(request, template, context)


# CSV import: upload, preview, confirm


def csv_preview(request: HtmxHttpRequest, raw: bytes) -> tuple[CsvDocument, dict[str, Any] | None]:
    """The CSV read into a document and, unless it is large, checked by a dry run; raises
    BackupInvalid. A large file is checked by the worker after the confirm: a dry run of
    it in the request could outlast the web server's timeout."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise backup.BackupInvalid(
            [_("The file is not UTF-8 text: save it from your spreadsheet as “CSV UTF-8”.")]
        ) from error
    profile = Profile.objects.filter(user=request.user).first()
    defaults = (
        {"currency": profile.currency, "payment_terms_days": profile.default_payment_terms_days}
        if profile
        else {}
    )
    parsed = csv_read(
        text,
        known_clients=known_clients(request.user),
        defaults=defaults,
        today=timezone.localdate(),
    )
    if imports_in_background(parsed.document):
        if parsed.problems:
            raise backup.BackupInvalid(parsed.all_problems())
        return parsed, None
    try:
        result = backup.backup_import(owner=request.user, document=parsed.document, dry_run=True)
    except backup.BackupInvalid as invalid:
        raise backup.BackupInvalid(parsed.all_problems(invalid.problems)) from invalid
    if parsed.problems:
        raise backup.BackupInvalid(parsed.all_problems())
    return parsed, asdict(result)


@login_required
@require_http_methods(["GET", "POST"])
def csv_upload(request: HtmxHttpRequest) -> HttpResponse:
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "problems": [], "max_upload_bytes": MAX_UPLOAD_BYTES}
    request.session.pop(CSV_SESSION_KEY, None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            parsed, result = csv_preview(request, upload.read())
        except backup.BackupInvalid as invalid:
            context["problems"] = invalid.problems
        else:
            preview = import_preview_create(
                owner=request.user,
                filename=upload.name,
                document=parsed.document,
                origins=parsed.origins,
            )
            context |= {
                "preview": parsed,
                "token": preview.token,
                "filename": upload.name,
                "in_background": result is None,
                "result_rows": result_rows(result) if result is not None else [],
                "form": CsvUploadForm(),
            }
    return render(request, CSV_PAGE, context)


def _confirmed_url(preview) -> str:
    """Where a repeat of this confirm goes: what the first one made."""
    outcome = preview.outcome if preview is not None else {}
    if "job" in outcome:
        return reverse("import_job", args=[outcome["job"]])
    return reverse("dashboard" if "result" in outcome else "csv_import")


@login_required
@require_POST
def csv_import_confirm(request: HtmxHttpRequest) -> HttpResponse:
    # The button's one-time token (a double click goes to the first result) around the
    # preview's own confirm-once (a second confirm reads the first one's outcome).
    done = form_save(
        request,
        None,
        lambda: import_preview_confirm(owner=request.user, token=request.POST.get("token", "")),
        once=_confirmed_url,
    )
    if done.repeat is not None:
        return done.repeat
    if done.error:
        messages.error(request, done.error)
        return redirect("csv_import")
    preview = done.value
    if preview is None:
        messages.error(request, _("That preview has expired. Please upload the file again."))
        return redirect("csv_import")
    # The first confirm's outcome, shown again to a second one.
    outcome = preview.outcome
    if "job" in outcome:
        return redirect("import_job", pk=outcome["job"])
    if "result" in outcome:
        messages.success(request, result_summary(outcome["result"]))
        return redirect("dashboard")
    context = {
        "form": CsvUploadForm(),
        "problems": outcome.get("problems", []),
        "max_upload_bytes": MAX_UPLOAD_BYTES,
    }
    return render(request, CSV_PAGE, context)


# Another tool's export: upload, preview with choices, confirm


class ToolUploadForm(UploadForm):
    file = forms.FileField(label=gettext_lazy("Export file (CSV)"))
    accept = ".csv,text/csv"


class ToolChoicesForm(forms.Form):
    """The preview's questions: a client for each of the file's names, and the defaults
    for what the file does not say."""

    def __init__(self, *args: Any, source: Source, clients: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        self.names = source.names()
        options = [
            (mapping.NEW, _("A new client")),
            (mapping.SKIP, _("Skip: leave these rows out")),
            *sorted(clients.items(), key=lambda item: item[1].casefold()),
        ]
        for i, name in enumerate(self.names):
            self.fields[f"client_{i}"] = forms.ChoiceField(label=name, choices=options)
            self.fields[f"email_{i}"] = forms.EmailField(
                label=_("Email of the new client %(name)s") % {"name": name}, required=False
            )
        if len(source.date_orders) > 1:
            self.fields["date_order"] = forms.ChoiceField(
                label=_("The file's dates are written"),
                choices=[
                    ("", "---------"),
                    (text.DMY, _("day first (31/01/2026)")),
                    (text.MDY, _("month first (01/31/2026)")),
                ],
                help_text=_("Every date in the file reads as either: say which your tool writes."),
            )
        lacks = source.lacks()
        if "currency" in lacks:
            self.fields["currency"] = forms.CharField(
                label=_("Currency of invoices the file gives none for"), max_length=3
            )
        if "due" in lacks:
            self.fields["due_days"] = forms.IntegerField(
                label=_("Due days after issue, for invoices without a due date"),
                required=False,
                min_value=0,
                max_value=365,
                help_text=_("Leave empty to use each client's payment terms."),
            )
        if "paid_on" in lacks:
            self.fields["paid_on"] = forms.ChoiceField(
                label=_("Paid invoices without a payment date were paid"),
                choices=[
                    (mapping.PAID_ON_DUE, _("on their due date")),
                    (mapping.PAID_ON_ISSUED, _("on their issue date")),
                    (mapping.PAID_ON_NONE, _("leave their payments out")),
                ],
            )

    def clean_currency(self) -> str:
        from clientwatch.money import currency_codes

        code = self.cleaned_data["currency"].strip().upper()
        if code not in currency_codes():
            raise forms.ValidationError(_("Use a currency code like EUR or MYR."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for i, _name in enumerate(self.names):
            if data.get(f"client_{i}") == mapping.NEW and not data.get(f"email_{i}"):
                self.add_error(f"email_{i}", _("A new client needs an email address."))
        return data

    def client_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"client_{i}"], self[f"email_{i}"]) for i in range(len(self.names))]

    def question_fields(self) -> list[Any]:
        return [
            self[n] for n in ("date_order", "currency", "due_days", "paid_on") if n in self.fields
        ]

    def choices(self, first: mapping.Choices) -> mapping.Choices:
        """The answers given; `first` (the defaults) for the questions not asked."""
        data = self.cleaned_data
        return mapping.Choices(
            clients={name: data[f"client_{i}"] for i, name in enumerate(self.names)},
            emails={name: data.get(f"email_{i}") or "" for i, name in enumerate(self.names)},
            date_order=data.get("date_order", first.date_order),
            currency=data.get("currency", first.currency),
            due_days=data.get("due_days", first.due_days),
            paid_on=data.get("paid_on", first.paid_on),
        )


def tool_initial(choices: mapping.Choices, names: list[str]) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "date_order": choices.date_order,
        "currency": choices.currency,
        "paid_on": choices.paid_on,
    }
    for i, name in enumerate(names):
        initial[f"client_{i}"] = choices.clients.get(name, mapping.NEW)
        initial[f"email_{i}"] = choices.emails.get(name, "")
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def tool_upload(request: HtmxHttpRequest) -> HttpResponse:
    form = ToolUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            source = read_file(upload.read(), filename=upload.name)
        except FileInvalid as invalid:
            problems = invalid.problems
        else:
            preview = tool_preview_create(owner=request.user, source=source)
            return redirect("tool_import_preview", pk=preview.pk)
    context = {
        "form": form,
        "problems": problems,
        "max_upload_bytes": MAX_UPLOAD_BYTES,
        "tools": TOOLS.values(),
    }
    return render(request, TOOL_PAGE, context)


def _tool_confirmed_url(preview: ImportPreview | None) -> str:
    outcome = preview.outcome if preview is not None else {}
    if "job" in outcome:
        return reverse("import_job", args=[outcome["job"]])
    return reverse("dashboard" if "result" in outcome else "tool_import")


@login_required
@require_http_methods(["GET", "POST"])
def tool_preview(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    preview = get_object_or_404(ImportPreview.objects.for_owner(request.user), pk=pk)
    token = preview.token
    if preview.expires_at <= timezone.now():
        messages.error(request, _("That preview has expired. Please upload the file again."))
        return redirect("tool_import")
    if preview.confirmed_at is not None:
        return redirect(_tool_confirmed_url(preview))
    if not preview.source:
        raise Http404("not a preview of another tool's file")  # our own CSV's preview
    source = Source.from_json(preview.source)
    names, _known, defaults = tool_context(request.user)
    first = mapping.default_choices(source, names, defaults["currency"])
    form = ToolChoicesForm(
        request.POST or None,
        source=source,
        clients=names,
        initial=tool_initial(first, source.names()),
    )
    if request.method == "POST" and "confirm" in request.POST:
        done = form_save(
            request,
            form,
            lambda: tool_preview_confirm(
                owner=request.user, token=token, choices=form.choices(first)
            ),
            once=_tool_confirmed_url,
        )
        if done.repeat is not None:
            return done.repeat
        if done.ok:
            outcome = done.value.outcome if done.value is not None else {}
            if "job" in outcome:
                return redirect("import_job", pk=outcome["job"])
            if "result" in outcome:
                messages.success(request, result_summary(outcome["result"]))
                return redirect("dashboard")
            return render(
                request,
                TOOL_PAGE,
                {
                    "form": ToolUploadForm(),
                    "problems": outcome.get("problems", []),
                    "max_upload_bytes": MAX_UPLOAD_BYTES,
                    "tools": TOOLS.values(),
                },
            )
    choices = form.choices(first) if form.is_bound and form.is_valid() else first
    context = {"form": form, "source": source, "preview": preview}
    context |= tool_preview_context(request, source, choices, names)
    context["client_rows"] = [
        (row, client_field, email_field)
        for row, (client_field, email_field) in zip(
            context["match_rows"], form.client_rows(), strict=True
        )
    ]
    return render(request, TOOL_PREVIEW_PAGE, context)


def tool_preview_context(
    request: HtmxHttpRequest, source: Source, choices: mapping.Choices, names: dict[str, str]
) -> dict[str, Any]:
    """What the import would do with `choices`: counts from a dry run (unless the file is
    large), the rows left out and why, and how each name was matched."""
    built = tool_document(owner=request.user, source=source, choices=choices)
    matches = mapping.match_names(source.names(), names)
    context: dict[str, Any] = {
        "open_questions": built.problems,
        "skipped": [
            (row, mapping.why(reason, params, _))
            for row, reason, params in built.skipped[:SKIPPED_SHOWN]
        ],
        "skipped_more": max(0, len(built.skipped) - SKIPPED_SHOWN),
        "match_rows": [
            {
                "name": name,
                "how": matches[name].how,
                "client": names.get(choices.clients.get(name, ""), ""),
                "choice": choices.clients.get(name, mapping.NEW),
            }
            for name in source.names()
        ],
        "in_background": False,
        "result_rows": [],
        "problems": [],
    }
    if built.problems:
        return context
    if imports_in_background(built.document):
        context["in_background"] = True
        return context
    try:
        result = backup.backup_import(owner=request.user, document=built.document, dry_run=True)
    except backup.BackupInvalid as invalid:
        context["problems"] = mapping.explain(invalid.problems, built.origins)
    else:
        context["result_rows"] = result_rows(asdict(result))
    return context
