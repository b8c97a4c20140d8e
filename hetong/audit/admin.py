"""The audit trail in the admin site: read only (the database refuses changes anyway)."""

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "actor_name", "verb", "target_type", "target_repr")
    search_fields = ("target_repr", "actor_name", "=target_id")
    show_full_result_count = False  # a COUNT(*) over the whole chain on every page is wasted work

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
