"""The incident form, with its evidence upload checked by size and by content."""

from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from clients.forms import DateInput, ServiceModelForm
from redflags.models import Incident, Step

SEVERITY_CHOICES = [
    (1, _("1: minor")),
    (2, _("2")),
    (3, _("3: serious")),
    (4, _("4")),
    (5, _("5: severe")),
]

# Magic bytes of the binary types we keep, and the extension each is stored with.
_SIGNATURES = [
    (b"%PDF", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
]
EVIDENCE_ACCEPT = ".pdf,.png,.jpg,.jpeg,.gif,.txt,.text"
_TEXT_CONTROL_OK = {"\t", "\n", "\r", "\f"}


def evidence_kind(data: bytes) -> str | None:
    """The extension matching the file's content, or None if it is not a type we keep."""
    for signature, extension in _SIGNATURES:
        if data.startswith(signature):
            return extension
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if any(ch < " " and ch not in _TEXT_CONTROL_OK for ch in text):
        return None
    return "txt"


class _StoredEvidence:
    """What the file input shows for an uploaded file: its name, linked to the owner-only
    download view rather than to storage."""

    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url

    def __str__(self) -> str:
        return self.name


class EvidenceFileInput(forms.ClearableFileInput):
    download_url = ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            stored = PurePath(value.name).name
            context["widget"]["value"] = _StoredEvidence(stored, self.download_url)
        return context


class IncidentForm(ServiceModelForm):
    id_prefix = "incident"
    severity = forms.TypedChoiceField(
        choices=SEVERITY_CHOICES,
        coerce=int,
        initial=3,
        error_messages={"invalid_choice": _("Severity runs from 1 (minor) to 5 (severe).")},
    )

    class Meta:
        model = Incident
        fields = [
            "occurred_on",
            "category",
            "severity",
            "description",
            "evidence",
            "evidence_file",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
            "evidence_file": EvidenceFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].widget = DateInput(
            attrs={"max": timezone.localdate().isoformat()}
        )
        if self.instance.pk:
            self.fields["evidence_file"].widget.download_url = reverse(
                "incident_evidence", args=[self.instance.pk]
            )
        self.fields["severity"].help_text = Incident._meta.get_field("severity").help_text
        self.fields["evidence_file"].help_text = _(
            "A screenshot, PDF or text file, up to %(size)s."
        ) % {"size": filesizeformat(settings.EVIDENCE_MAX_BYTES)}

    def clean_evidence_file(self) -> Any:
        upload = self.cleaned_data.get("evidence_file")
        if not isinstance(upload, UploadedFile):  # unchanged (None) or cleared (False)
            return upload
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            raise ValidationError(
                _("That file is %(size)s; evidence files can be at most %(max)s."),
                code="too_big",
                params={
                    "size": filesizeformat(upload.size),
                    "max": filesizeformat(settings.EVIDENCE_MAX_BYTES),
                },
            )
        upload.seek(0)
        kind = evidence_kind(upload.read())
        upload.seek(0)
        if kind is None:
            raise ValidationError(
                _("Upload a PDF, PNG, JPEG, GIF or plain text file."), code="bad_type"
            )
        # Store it under the extension its content proves, whatever it was called.
        stem = slugify(PurePath(upload.name).stem, allow_unicode=True)[:80] or "evidence"
        upload.name = f"{stem}.{kind}"
        return upload


class StepForm(ServiceModelForm):
    """What was tried: a warning, terms restated, a deposit asked for... (docs/domain.md)."""

    id_prefix = "step"

    class Meta:
        model = Step
        fields = ["taken_on", "kind", "addresses", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "kind": _(
                "Once you have told them, what happens after it counts: the same trouble "
                "going on weighs more."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["taken_on"].widget = DateInput(attrs={"max": timezone.localdate().isoformat()})
        # The model's default is a callable, which would add a hidden copy of the initial
        # date; that copy would also be named by the error's aria-describedby.
        self.fields["taken_on"].show_hidden_initial = False
        self.fields["addresses"].choices = [("", _("Everything (no one kind)"))] + [
            choice for choice in self.fields["addresses"].choices if choice[0]
        ]
