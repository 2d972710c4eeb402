from allauth.usersessions.admin import UserSessionAdmin as BaseUserSessionAdmin
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import services
from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "must_change_password",
                    "password_changed_at", "last_login"]  # fmt: skip
    list_filter = ["is_staff", "is_superuser", "is_active", "must_change_password", "groups"]
    actions = ["force_password_change"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["date_joined", "last_login", "password_changed_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["full_name"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Password"), {"fields": ["must_change_password", "password_changed_at"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]

    def save_model(self, request, obj, form, change):
        # Groups and permissions are saved after this, in save_related.
        form.access_before = services.user_access(
            user=User.objects.get(pk=obj.pk) if change else obj
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.user_access_audit(
            user=form.instance, before=form.access_before, actor=request.user
        )

    def user_change_password(self, request, id, form_url=""):
        # Django's view sets the password; a new hash is how we know it did (the
        # hash itself is compared, never recorded). One transaction: no record
        # without the change, no change without the record.
        with transaction.atomic():
            person = self.get_object(request, unquote(id))
            response = super().user_change_password(request, id, form_url)
            if person is not None:
                after = User.objects.get(pk=person.pk)
                if after.password != person.password:
                    services.password_set_by_staff(user=after, actor=request.user)
        return response

    @admin.action(description=_("Ask for a new password at their next request"))
    def force_password_change(self, request, queryset):
        count = services.users_force_password_change(users=queryset, actor=request.user)
        self.message_user(request, _("%d people must now set a new password.") % count)


# allauth's searches sessions by username, which our User does not have: every search was a 500.
admin.site.unregister(UserSession)


@admin.register(UserSession)
class UserSessionAdmin(BaseUserSessionAdmin):
    search_fields = ["user__email", "ip"]
