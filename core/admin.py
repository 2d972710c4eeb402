"""Base classes and widgets for the admin pages."""

from django.contrib import admin
from django.contrib.admin import widgets
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows made elsewhere (imports, the outbox, people themselves): staff look, never write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RecordAdmin(ViewOnlyAdmin):
    """A record of what happened: nobody adds, changes or deletes one, superusers included."""

    def has_delete_permission(self, request, obj=None):
        return False


class LabelledSplitDateTime(widgets.AdminSplitDateTime):
    """
    Django's date-and-time field, with each of its two boxes named ("Date", "Time")
    for screen readers: Django writes those words beside them but not as labels, and
    the field's own name is the legend of the pair (WCAG 1.3.1, 4.1.2).
    """

    def __init__(self, attrs=None):
        super().__init__(attrs)
        date, time = self.widgets
        date.attrs["aria-label"] = _("Date")
        time.attrs["aria-label"] = _("Time")


class LabelledInlineFormSet(BaseInlineFormSet):
    """
    A tabular inline names its columns in a header row, which is no label to a screen
    reader: each box gets its column's name (and a date-and-time pair "Filed at: Date",
    "Filed at: Time").
    """

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            label = str(field.label or "")
            widget = getattr(field.widget, "widget", field.widget)  # inside a related wrapper
            for box in getattr(widget, "widgets", None) or [widget]:
                part = box.attrs.get("aria-label")
                box.attrs = {**box.attrs, "aria-label": f"{label}: {part}" if part else label}
