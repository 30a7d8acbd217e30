from django.contrib import admin
from django.urls import include, path

from restorer.health import healthz

admin.site.site_header = "Old Photo Restorer administration"
admin.site.site_title = "Old Photo Restorer"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("restorer.accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("albums.urls")),
]
