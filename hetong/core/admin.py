from django.contrib import admin

from .models import HolidayOverride, Tag


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "day"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
