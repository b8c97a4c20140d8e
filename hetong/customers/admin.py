"""Customers in the admin site are for looking only: every change goes through customers.services (the
customer pages and the API), which check permissions, keep versions and write the audit trail."""

from django.contrib import admin

from .models import Contact, Customer, Interaction


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ("name", "title", "phone", "email", "is_signatory")
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("name", "credit_code", "industry", "level", "region", "status", "owner", "department")
    list_filter = ("status", "industry", "level")
    search_fields = ("name", "credit_code")
    list_select_related = ("owner", "department")
    inlines = (ContactInline,)


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ("date", "kind", "customer", "author")
    list_filter = ("kind",)
    list_select_related = ("customer", "author")
    search_fields = ("customer__name", "text")
    date_hierarchy = "date"
