from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Q

from restorer.models import ProviderHold, QuotaCharge, Restoration, month_start

User = get_user_model()


@admin.register(Restoration)
class RestorationAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "owner",
        "provider",
        "state",
        "progress",
        "options",
        "error_code",
        "api_calls",
        "created_at",
        "duration",
    ]
    list_filter = ["state", "provider", "error_code", "restoration_type", "created_at"]
    search_fields = ["code", "remote_task_id", "owner__username", "owner__email", "error_message"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    actions = ["retry_failed", "cancel_queued"]
    readonly_fields = [f.name for f in Restoration._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        hold = ProviderHold.current()
        if hold is not None:
            messages.error(
                request,
                f"Submissions to PicWish are stopped: {hold.message} Fix the key or the "
                "account, then delete the hold under “Provider holds” (or change "
                "PICWISH_API_KEY) to go on.",
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description="Options")
    def options(self, restoration: Restoration) -> str:
        return restoration.options_label

    @admin.display(description="Took")
    def duration(self, restoration: Restoration) -> str:
        if not restoration.finished_at:
            return "—"
        return f"{(restoration.finished_at - restoration.created_at).total_seconds():.0f} s"

    @admin.action(description="Retry the selected failed restorations (PicWish: a new paid task)")
    def retry_failed(self, request, queryset):
        retried = sum(restoration.retry() for restoration in queryset.filter(state="failed"))
        self.message_user(request, f"{retried} restoration(s) queued again.", messages.SUCCESS)

    @admin.action(description="Cancel the selected queued restorations")
    def cancel_queued(self, request, queryset):
        cancelled = sum(restoration.cancel() for restoration in queryset.filter(state="queued"))
        self.message_user(request, f"{cancelled} restoration(s) cancelled.", messages.SUCCESS)


@admin.register(ProviderHold)
class ProviderHoldAdmin(admin.ModelAdmin):
    list_display = ["provider", "code", "message", "created_at"]
    readonly_fields = ["provider", "code", "message", "key_fingerprint", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(QuotaCharge)
class QuotaChargeAdmin(admin.ModelAdmin):
    """Paid restorations started, as the monthly quota counts them (deleting one gives
    the quota back: staff only, by hand)."""

    list_display = ["owner", "created_at", "restoration"]
    search_fields = ["owner__username"]
    readonly_fields = ["owner", "restoration", "created_at"]


admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    """Users, with the PicWish tasks each has paid for."""

    list_display = [*UserAdmin.list_display, "paid_this_month", "paid_total"]

    def get_queryset(self, request):
        paid = Q(restorations__provider="picwish") & ~Q(restorations__remote_task_id="")
        return (
            super()
            .get_queryset(request)
            .annotate(
                _paid_total=Count("restorations", filter=paid),
                _paid_month=Count(
                    "restorations", filter=paid & Q(restorations__created_at__gte=month_start())
                ),
            )
        )

    @admin.display(description="Paid this month", ordering="_paid_month")
    def paid_this_month(self, user) -> int:
        return user._paid_month

    @admin.display(description="Paid in all", ordering="_paid_total")
    def paid_total(self, user) -> int:
        return user._paid_total
