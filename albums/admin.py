from django.contrib import admin
from django.db.models import Count, Sum
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from albums.models import Album, AlbumMember, Invitation, Photo, ShareLink, Version
from restorer.admin import PreviewMixin, RestorationAdmin
from restorer.files import serve_file
from restorer.models import Restoration


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "photo_count", "storage", "created_at", "updated_at"]
    list_filter = ["created_at"]
    search_fields = ["title", "description", "code", "owner__username", "owner__email"]
    readonly_fields = ["code", "created_at", "updated_at"]
    raw_id_fields = ["owner", "cover"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("owner")
            .annotate(_photo_count=Count("photos"), _bytes=Sum("photos__size"))
        )

    @admin.display(description="Photos", ordering="_photo_count")
    def photo_count(self, album: Album) -> int:
        return album._photo_count

    @admin.display(description="Originals", ordering="_bytes")
    def storage(self, album: Album) -> str:
        return f"{(album._bytes or 0) / (1024 * 1024):.1f} MB"


class VersionInline(admin.TabularInline):
    model = Version
    extra = 0
    fields = ["code", "restoration", "state", "created_at"]
    readonly_fields = fields
    can_delete = True
    show_change_link = False

    @admin.display(description="State")
    def state(self, version: Version) -> str:
        return version.restoration.get_state_display()

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "album", "expires_at", "revoked_at", "view_count", "last_viewed_at"]
    list_filter = ["allow_download", "created_at", "revoked_at"]
    search_fields = ["label", "code", "album__title", "album__owner__username"]
    readonly_fields = ["code", "album", "token_hash", "created_at", "view_count", "last_viewed_at"]
    fields = [*readonly_fields, "label", "allow_download", "expires_at", "revoked_at"]
    list_select_related = ["album"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # a link's token is shown only to the owner who makes it

    @admin.action(description="Revoke the selected links")
    def revoke(self, request, queryset):
        revoked = sum(link.revoke() for link in queryset)
        self.message_user(request, f"{revoked} link(s) revoked.")


@admin.register(AlbumMember)
class AlbumMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "album", "role", "added_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "album__title"]
    raw_id_fields = ["user", "album"]
    list_select_related = ["user", "album"]


@admin.register(Photo)
class PhotoAdmin(PreviewMixin, admin.ModelAdmin):
    list_display = [
        "preview",
        "short_name",
        "album",
        "owner",
        "dimensions",
        "size_mb",
        "preparation",
        "uploaded_at",
    ]
    list_display_links = ["preview", "short_name"]
    list_filter = ["preparation", "mime_type", "uploaded_at"]
    search_fields = [
        "caption",
        "original_name",
        "code",
        "sha256",
        "album__title",
        "album__owner__username",
    ]
    readonly_fields = [
        "preview_large",
        "code",
        "original_link",
        "original_name",
        "mime_type",
        "sha256",
        "size",
        "width",
        "height",
        "thumbnail_link",
        "display_link",
        "shared_copy_link",
        "uploaded_at",
    ]
    # The files are shown as links to the views below, which check who asks.
    exclude = [
        "original",
        "thumbnail",
        "display",
        "shared_copy",
        "thumbnail_width",
        "thumbnail_height",
        "display_width",
        "display_height",
    ]
    raw_id_fields = ["album", "uploaded_by", "chosen_version", "latest_version"]
    inlines = [VersionInline]
    list_select_related = ["album__owner"]
    date_hierarchy = "uploaded_at"
    list_per_page = 50
    preview_field = "thumbnail"

    def has_add_permission(self, request) -> bool:
        return False  # photos come in through an album's upload, which checks and stores them

    def get_urls(self):
        view = self.admin_site.admin_view(self.file_view)
        extra = [path("<int:pk>/file/<str:kind>/", view, name="albums_photo_file")]
        return extra + super().get_urls()

    def file_view(self, request, pk: int, kind: str):
        photo = self.object_for(request, pk)
        if kind == "original":
            return serve_file(photo.original, photo.mime_type, download_name=photo.original_name)
        if kind in ("thumbnail", "display", "shared_copy"):
            return serve_file(getattr(photo, kind), "image/jpeg")
        raise Http404("No such file.")

    def _file_link(self, photo: Photo, kind: str):
        if not getattr(photo, kind).name:
            return "—"
        url = reverse("admin:albums_photo_file", args=[photo.pk, kind])
        return format_html('<a href="{}">{}</a>', url, getattr(photo, kind).name)

    @admin.display(description="Original")
    def original_link(self, photo: Photo):
        return self._file_link(photo, "original")

    @admin.display(description="Thumbnail")
    def thumbnail_link(self, photo: Photo):
        return self._file_link(photo, "thumbnail")

    @admin.display(description="Display size")
    def display_link(self, photo: Photo):
        return self._file_link(photo, "display")

    @admin.display(description="Shared copy")
    def shared_copy_link(self, photo: Photo):
        return self._file_link(photo, "shared_copy")

    @admin.display(description="")
    def preview(self, photo: Photo):
        return self.preview_image(photo, 48)

    @admin.display(description="Preview")
    def preview_large(self, photo: Photo):
        return self.preview_image(photo, 240)

    @admin.display(description="Photo", ordering="original_name")
    def short_name(self, photo: Photo) -> str:
        return Truncator(photo.caption or photo.original_name).chars(40)

    @admin.display(description="Owner", ordering="album__owner__username")
    def owner(self, photo: Photo) -> str:
        return photo.album.owner.username

    @admin.display(description="Pixels")
    def dimensions(self, photo: Photo) -> str:
        return f"{photo.width} × {photo.height}"

    @admin.display(description="Size", ordering="size")
    def size_mb(self, photo: Photo) -> str:
        return f"{photo.size / (1024 * 1024):.1f} MB"


admin.site.unregister(Restoration)


@admin.register(Restoration)
class GalleryRestorationAdmin(RestorationAdmin):
    """The restorations, each with the photo it belongs to (restorer knows nothing of photos)."""

    list_display = [*RestorationAdmin.list_display[:2], "photo", *RestorationAdmin.list_display[2:]]
    list_select_related = ["owner", "version__photo"]

    @admin.display(description="Photo")
    def photo(self, restoration: Restoration):
        version = getattr(restoration, "version", None)
        if version is None:
            return "—"
        url = reverse("admin:albums_photo_change", args=[version.photo_id])
        return format_html('<a href="{}">{}</a>', url, Truncator(str(version.photo)).chars(30))


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["invited_as", "album", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["accepted_at"]
    search_fields = ["invited_as", "email", "album__title"]
    readonly_fields = ["code", "album", "email", "invited_as", "token_hash", "created_at",
                       "accepted_at", "accepted_by"]  # fmt: skip
    fields = [*readonly_fields, "role", "expires_at"]
