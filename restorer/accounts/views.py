from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from restorer.accounts.forms import ProfileForm, SignupForm


class LoginView(auth_views.LoginView):
    """Django's login view names the site by the request's host; the pages use SITE_NAME."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "site_name": settings.SITE_NAME}


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("albums:index")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Create your first album to start uploading photos.")
        return redirect("albums:index")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"display_name": user.first_name, "email": user.email}
    form = ProfileForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        user.first_name = form.cleaned_data["display_name"]
        user.email = form.cleaned_data["email"]
        user.save(update_fields=["first_name", "email"])
        messages.success(request, "Your profile was saved.")
        return redirect(reverse("profile"))
    return render(request, "registration/profile.html", {"form": form})
