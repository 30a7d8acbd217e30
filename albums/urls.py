from django.urls import path

from albums import invitation_views, organize_views, search, share_views, views, visitor_views

app_name = "albums"

urlpatterns = [
    path("", views.index, name="index"),
    path("albums/new/", views.album_new, name="new"),
    path("shared/", share_views.shared_overview, name="shared"),
    path("search/", search.search, name="search"),
    path("s/<str:token>/", visitor_views.share_page, name="share"),
    path("s/<str:token>/zip/", visitor_views.share_zip, name="share_zip"),
    path("s/<str:token>/photos/<str:photo_code>/", visitor_views.share_photo, name="share_photo"),
    path(
        "s/<str:token>/photos/<str:photo_code>/file/<str:kind>/",
        visitor_views.share_file,
        name="share_file",
    ),
    path("albums/<str:code>/share/", share_views.album_share, name="album_share"),
    path("albums/<str:code>/links/", share_views.link_create, name="link_create"),
    path(
        "albums/<str:code>/links/<str:link_code>/revoke/",
        share_views.link_revoke,
        name="link_revoke",
    ),
    path("albums/<str:code>/members/", share_views.member_add, name="member_add"),
    path(
        "albums/<str:code>/members/<int:member_id>/remove/",
        share_views.member_remove,
        name="member_remove",
    ),
    path(
        "albums/<str:code>/invitations/<str:invitation_code>/withdraw/",
        invitation_views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("invitations/<str:token>/", invitation_views.invitation, name="invitation"),
    path("albums/<str:code>/download.zip", views.album_zip, name="album_zip"),
    path("albums/<str:code>/", views.album_detail, name="detail"),
    path("albums/<str:code>/edit/", views.album_edit, name="edit"),
    path("albums/<str:code>/delete/", views.album_delete, name="delete"),
    path("albums/<str:code>/upload/", views.album_upload, name="upload"),
    path("albums/<str:code>/status.json", views.album_status, name="status"),
    path("albums/<str:code>/order/", organize_views.album_order, name="order"),
    path("albums/<str:code>/photos/bulk/", organize_views.photos_bulk, name="photos_bulk"),
    path("albums/<str:code>/photos/<str:photo_code>/", views.photo_detail, name="photo"),
    path(
        "albums/<str:code>/photos/<str:photo_code>/caption/",
        views.photo_caption,
        name="photo_caption",
    ),
    path(
        "albums/<str:code>/photos/<str:photo_code>/details/",
        views.photo_details,
        name="photo_details",
    ),
    path("albums/<str:code>/photos/<str:photo_code>/cover/", views.photo_cover, name="photo_cover"),
    path(
        "albums/<str:code>/photos/<str:photo_code>/delete/",
        views.photo_delete,
        name="photo_delete",
    ),
    path(
        "albums/<str:code>/photos/<str:photo_code>/file/<str:kind>/",
        views.photo_file,
        name="photo_file",
    ),
    path("albums/<str:code>/photos/<str:photo_code>/edit/", views.photo_edit, name="photo_edit"),
    path(
        "albums/<str:code>/photos/<str:photo_code>/repair/", views.photo_repair, name="photo_repair"
    ),
    path(
        "albums/<str:code>/photos/<str:photo_code>/damage.png",
        views.photo_damage,
        name="photo_damage",
    ),
    path(
        "albums/<str:code>/photos/<str:photo_code>/restore/",
        views.photo_restore,
        name="photo_restore",
    ),
    path(
        "albums/<str:code>/photos/<str:photo_code>/versions/<str:version_code>/show/",
        views.version_show,
        name="version_show",
    ),
    path(
        "albums/<str:code>/photos/<str:photo_code>/versions/<str:version_code>/delete/",
        views.version_delete,
        name="version_delete",
    ),
    path(
        "albums/<str:code>/photos/<str:photo_code>/versions/<str:version_code>/cancel/",
        views.version_cancel,
        name="version_cancel",
    ),
    path(
        "albums/<str:code>/photos/<str:photo_code>/versions/<str:version_code>/retry/",
        views.version_retry,
        name="version_retry",
    ),
    path(
        "albums/<str:code>/photos/<str:photo_code>/versions/<str:version_code>/file/<str:kind>/",
        views.version_file,
        name="version_file",
    ),
]
