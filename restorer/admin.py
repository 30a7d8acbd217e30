from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from restorer.files import serve_file
from restorer.models import ProviderHold, QuotaCharge, QuotaExceeded, Restoration, month_start

User = get_user_model()


class PreviewMixin:
    """A thumbnail column, served by an admin view that checks the staff member's rights
    (stored files have no public URL). `preview_field` names the thumbnail's file field."""

    preview_field = ""

    def _preview_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_thumbnail"

    def get_urls(self):
        view = self.admin_site.admin_view(self.thumbnail_view)
        extra = [path("<int:pk>/thumbnail/", view, name=self._preview_url_name())]
        return extra + super().get_urls()

    def object_for(self, request, pk: int):
        """The object if this staff member may view it: for the file views."""
        obj = get_object_or_404(self.model, pk=pk)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return obj

    def thumbnail_view(self, request, pk: int):
        return serve_file(getattr(self.object_for(request, pk), self.preview_field), "image/jpeg")

    def preview_image(self, obj, height: int):
        if not getattr(obj, self.preview_field):
            return "—"
        url = reverse(f"admin:{self._preview_url_name()}", args=[obj.pk])
        return format_html(
            '<img src="{}" alt="" loading="lazy" style="height:{}px;width:auto;border-radius:3px">',
            url,
            height,
        )


class StateFilter(admin.SimpleListFilter):
    """The states by their names, each name once ("Restoring" is two states, by provider)."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        names: dict[str, list[str]] = {}
        for value, label in Restoration.State.choices:
            names.setdefault(label, []).append(value)
        return [(",".join(values), label) for label, values in names.items()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(state__in=self.value().split(","))
        return queryset


@admin.register(Restoration)
class RestorationAdmin(PreviewMixin, admin.ModelAdmin):
    list_display = [
        "preview",
        "code",
        "owner",
        "state_and_progress",
        "options",
        "provider",
        "error_code",
        "created_at",
        "duration",
    ]
    list_display_links = ["preview", "code"]
    list_filter = [StateFilter, "provider", "error_code", "restoration_type", "created_at"]
    search_fields = ["code", "remote_task_id", "owner__username", "owner__email", "error_message"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    actions = ["retry_failed", "cancel_queued"]
    readonly_fields = [f.name for f in Restoration._meta.fields]
    list_per_page = 50
    preview_field = "result_thumbnail"

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="")
    def preview(self, restoration: Restoration):
        return self.preview_image(restoration, 48)

    @admin.display(description="State", ordering="state")
    def state_and_progress(self, restoration: Restoration) -> str:
        if restoration.is_final or not restoration.progress:
            return restoration.get_state_display()
        return f"{restoration.get_state_display()} {restoration.progress}%"

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
        retried = 0
        for restoration in queryset.filter(state=Restoration.State.FAILED):
            try:
                retried += restoration.retry()
            except QuotaExceeded as exc:
                self.message_user(
                    request, f"{restoration.code} for {restoration.owner}: {exc.message}",
                    messages.WARNING,
                )  # fmt: skip
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
    """Restorations the monthly quota counts: PicWish's, and API tasks on the embedded
    engine (deleting one gives the quota back: staff only, by hand)."""

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
