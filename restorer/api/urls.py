from django.urls import path, re_path

from restorer.api import views

app_name = "api"

urlpatterns = [
    path("openapi.json", views.openapi, name="openapi"),
    path("docs/", views.docs, name="docs"),
    path("tasks/visual/restoration-old-photo", views.create, name="create"),
    path("tasks/visual/restoration-old-photo/<uuid:task_id>", views.task_status, name="task"),
    path("results/<str:token>", views.result, name="result"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
