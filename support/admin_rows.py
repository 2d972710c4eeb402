"""
The inbox's rows, written as the admin writes them (items_for_result) with what is the
same for every row worked out once a page: a page is 500 cells at 50 rows, and Django
looks each column up again in each of them (its class, whether it links, whether it is
a field or a method, its empty value). The values themselves still come from Django's
display_for_field and display_for_value, and the columns' methods are called as before.

A page with anything else (editable columns, a popup, a column that is neither a field
nor a method of the ModelAdmin) is left to Django. test_admin checks that the rows are
Django's, cell for cell.
"""

import datetime

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.utils.html import format_html

DATES = (datetime.date, datetime.time)


class _Column:
    """One column of the list: how its cell is made, the same in every row."""

    def __init__(self, cl, index, name, link, tag):
        self.name = name
        self.link = link
        self.tag = tag  # "th" for the first linked column, else "td"
        self.css = self.error_css = f"field-{_coerce_field_name(name, index)}"
        self.empty = self.empty_on_error = cl.model_admin.get_empty_value_display()
        try:
            self.field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            self.field = None
        if self.field is None:
            # A method of the ModelAdmin (lookup_field's second case), its own empty value.
            self.method = getattr(cl.model_admin, name)
            self.empty = getattr(self.method, "empty_value_display", self.empty)
            self.boolean = getattr(self.method, "boolean", False)
            if name == "action_checkbox":
                self.css = "action-checkbox"
        elif isinstance(self.field, (models.DateField, models.TimeField, models.ForeignKey)):
            self.css += " nowrap"
        # ' class="…"', as items_for_result writes it; "nowrap" added for a date's value.
        self.row_class = format_html(' class="{}"', self.css)
        self.date_class = format_html(' class="{} nowrap"', self.css)
        self.error_class = format_html(' class="{}"', self.error_css)

    @classmethod
    def fast(cls, cl, name) -> bool:
        """Whether this column's cells can be made here as Django would make them."""
        if not isinstance(name, str):
            return False
        try:
            field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            return name != "__str__" and callable(getattr(cl.model_admin, name, None))
        return not field.auto_created and not field.is_relation

    def cell(self, result, url):
        try:
            value = self.method(result) if self.field is None else getattr(result, self.name)
        except ObjectDoesNotExist:
            # As items_for_result: the admin's empty value, the column's first class.
            return self._wrap(self.empty_on_error, self.error_class, url)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        row_class = self.row_class
        if self.field is None:
            shown = display_for_value(value, self.empty, self.boolean)
            if isinstance(value, DATES):
                row_class = self.date_class
        else:
            shown = display_for_field(value, self.field, self.empty, avoid_link=self.link)
        return self._wrap(shown, row_class, url)

    def _wrap(self, shown, row_class, url):
        if self.link:
            shown = format_html('<a href="{}">{}</a>', url, shown)
            return format_html("<{}{}>{}</{}>", self.tag, row_class, shown, self.tag)
        return format_html("<td{}>{}</td>", row_class, shown)


def _columns(cl) -> list[_Column] | None:
    """The page's columns, or None when Django is to make the rows itself."""
    if cl.formset or cl.is_popup or cl.to_field or cl.list_display_links is None:
        return None
    if not all(_Column.fast(cl, name) for name in cl.list_display):
        return None
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        link = (first and not cl.list_display_links) or name in cl.list_display_links
        columns.append(_Column(cl, index, name, link, "th" if link and first else "td"))
        first = first and not link
    return columns


def rows(cl) -> list[ResultList]:
    """Each row's cells, as admin_list.results(cl) gives them."""
    columns = _columns(cl)
    if columns is None:
        return list(results(cl))
    linked = any(column.link for column in columns)
    context = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    page = []
    for result in cl.result_list:
        url = add_preserved_filters(context, cl.url_for_result(result)) if linked else ""
        page.append(ResultList(None, [column.cell(result, url) for column in columns]))
    return page


def result_list(cl):
    """admin_list.result_list(cl), its rows made by rows()."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": rows(cl),
    }
