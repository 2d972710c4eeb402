"""Base classes for admin pages that show rows staff never write there."""

from django.contrib import admin


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
