"""Browser forms of an import: the upload and the column mapping (shape only; the
services decide what is allowed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import ImportMapping

from .mapping import FIELDS, IGNORE
from .readers import MAX_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label=pgettext_lazy("form field: uploaded file", "File"),
        help_text=_("Excel (.xlsx) or CSV (UTF-8 or GBK); the first row holds the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )
    mapping = forms.ModelChoiceField(
        label=_("Saved column mapping"),
        queryset=ImportMapping.objects.all(),
        required=False,
        empty_label=_("Recognise the columns"),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB; split it into smaller files.")
                % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        return upload


class MappingForm(forms.Form):
    """One choice per column of the file, and an optional name to save the mapping."""

    save_as = forms.CharField(
        label=_("Save this mapping as"),
        max_length=80,
        required=False,
        help_text=_("Give it a name to reuse it for the next file of this kind."),
    )

    def __init__(self, *args: Any, headers: list[str], mapping: dict[str, str], **kw: Any):
        super().__init__(*args, **kw)
        choices = [(IGNORE, _("— ignore this column —")), *((f.key, f.label) for f in FIELDS)]
        self.columns = []
        for index, header in enumerate(headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header or _("(column %(n)s without a name)") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=mapping.get(str(index), IGNORE),
            )
            self.columns.append(name)

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("col_"): self.cleaned_data.get(name) or IGNORE
            for name in self.columns
        }

    def column_fields(self) -> list[Any]:
        return [self[name] for name in self.columns]
