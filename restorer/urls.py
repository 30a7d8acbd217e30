from django.contrib import admin
from django.urls import include, path

from restorer.accounts.forms import AdminLoginForm
from restorer.health import healthz

admin.site.site_header = "Old Photo Restorer administration"
admin.site.site_title = "Old Photo Restorer"
admin.site.login_form = AdminLoginForm  # failed logins slow further tries down

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("restorer.accounts.urls")),
    path("api/", include("restorer.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("albums.urls")),
]
