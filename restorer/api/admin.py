from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils import timezone

from restorer.api.models import ApiKey, ApiTask


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "prefix",
        "owner",
        "created_at",
        "last_used_at",
        "revoked_at",
        "tasks_this_month",
        "tasks_total",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "owner__username", "owner__email")
    readonly_fields = ("owner", "prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("name", "owner", "prefix", "album_code", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner").with_usage()

    def has_add_permission(self, request) -> bool:
        return False  # a key is made by its owner, who alone sees it once

    @admin.display(ordering="tasks_this_month", description="Tasks this month")
    def tasks_this_month(self, key: ApiKey) -> int:
        return key.tasks_this_month

    @admin.display(ordering="tasks_total", description="Tasks in total")
    def tasks_total(self, key: ApiKey) -> int:
        return key.tasks_total

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset: QuerySet) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} key(s) revoked.", messages.SUCCESS)


@admin.register(ApiTask)
class ApiTaskAdmin(admin.ModelAdmin):
    list_display = ("task_id", "key", "created_at", "restoration", "failure_state", "purged_at")
    list_select_related = ("key", "restoration")
    search_fields = ("=task_id", "key__name", "key__owner__username")
    readonly_fields = [f.name for f in ApiTask._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
