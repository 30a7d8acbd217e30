from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from restorer.accounts import views
from restorer.accounts.forms import LoginForm

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("email/confirm/<str:token>/", views.email_confirm, name="email_confirm"),
    path("profile/", views.profile, name="profile"),
    path("profile/keys/new/", views.api_key_create, name="api_key_create"),
    path("profile/keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("profile/keys/<int:pk>/album/", views.api_key_album, name="api_key_album"),
    path("login/", views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(extra_email_context={"site_name": settings.SITE_NAME}),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
