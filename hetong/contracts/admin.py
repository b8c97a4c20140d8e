"""Admin for the contract reference data (types and their extra fields, our signing entities).

Contracts themselves are read-only here: every change to a contract goes through services.py (with its
version check and audit event), so the admin can look but never write, least of all the status.
"""

from django.contrib import admin

from .models import Contract, ContractFile, ContractParty, ContractType, ExtraField, FileVersion, LegalEntity


class ExtraFieldInline(admin.TabularInline):
    model = ExtraField
    extra = 0
    fields = ("position", "key", "label", "label_en", "kind", "required", "choices")


@admin.register(ContractType)
class ContractTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "parent", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_en")
    inlines = [ExtraFieldInline]

    def has_delete_permission(self, request, obj=None):
        return False  # contracts reference their type; retire a type by unticking "active"


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "legal_representative", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "credit_code")

    def has_delete_permission(self, request, obj=None):
        return False  # contracts reference the entity; retire it by unticking "active"


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PartyInline(_ReadOnlyInline):
    model = ContractParty
    fields = ("role", "name", "credit_code", "address")


class FileInline(_ReadOnlyInline):
    model = ContractFile
    fields = ("name", "kind", "created_by", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "title",
        "customer",
        "contract_type",
        "status",
        "amount",
        "currency",
        "end_date",
        "owner",
    )
    list_filter = ("status", "contract_type", "currency")
    search_fields = ("number", "title", "customer__name")
    list_select_related = ("customer", "contract_type", "owner")
    show_full_result_count = False  # a COUNT over a million contracts on every page is not worth it
    inlines = [PartyInline, FileInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FileVersion)
class FileVersionAdmin(admin.ModelAdmin):
    list_display = ("original_name", "number", "file", "size", "sha256", "uploaded_by", "uploaded_at")
    list_select_related = ("file", "uploaded_by")
    search_fields = ("original_name", "sha256")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
