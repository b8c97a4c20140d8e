from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import ApiToken, Department, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "department", "is_active", "last_login")
    list_filter = ("role", "department", "is_active", "is_staff")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    list_select_related = ("department",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Hetong"), {"fields": ("display_name", "role", "department", "phone", "language", "time_zone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Hetong"), {"fields": ("display_name", "role", "department")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "head", "path")
    readonly_fields = ("path",)
    search_fields = ("name",)
    list_select_related = ("parent", "head")
    autocomplete_fields = ("parent",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owner on the profile page (the secret is shown once there); here an
    administrator can only look and revoke."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "prefix", "digest", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True).select_related("user"))
        for token in tokens:
            services.revoke_api_token(token, by=request.user)
        self.message_user(request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens)) % {
            "count": len(tokens)}, messages.SUCCESS)
