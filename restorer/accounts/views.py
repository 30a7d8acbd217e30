from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from restorer.accounts import emails
from restorer.accounts.forms import ApiKeyForm, ProfileForm, SignupForm, email_taken
from restorer.accounts.models import SIGNUP_DAYS, PendingSignup
from restorer.api import keeping
from restorer.api.models import ApiKey

EMAIL_CHANGE_SALT = "accounts.email-change"


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
        email = form.cleaned_data["email"]
        if email_taken(email):
            emails.already_registered(email)
        else:
            user = form.save(commit=False)  # not saved: the address is proved first
            _, token = PendingSignup.start(
                username=user.username, email=email, password_hash=user.password
            )
            emails.confirm_signup(email, user.username, token)
        # The same answer either way: nothing says whether the address has an account.
        return redirect("signup_sent")
    return render(request, "registration/signup.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_sent.html", {"days": SIGNUP_DAYS})


def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail. A GET only shows a button (mail scanners follow links)."""
    pending = PendingSignup.find(token)
    if pending is None:
        return _link_dead(request)
    if request.method != "POST":
        return render(request, "registration/signup_confirm.html", {"pending": pending})
    User = get_user_model()
    problem = None
    try:
        with transaction.atomic():
            if User.objects.filter(username__iexact=pending.username).exists():
                problem = "That username was taken meanwhile. Sign up again with another one."
            elif email_taken(pending.email):
                problem = "This address already has an account. Log in, or reset its password."
            else:
                user = User(username=pending.username, email=pending.email)
                user.password = pending.password
                user.save()
    except IntegrityError:  # another confirmation won the race for the address or name
        problem = "This address already has an account. Log in, or reset its password."
    PendingSignup.objects.filter(pk=pending.pk).delete()
    if problem:
        return render(request, "registration/signup_confirm.html", {"problem": problem})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Welcome! Create your first album to start uploading photos.")
    return redirect("albums:index")


def _link_dead(request: HttpRequest) -> HttpResponse:
    problem = "This link no longer works: it was used already, or it is too old. Sign up again."
    return render(request, "registration/signup_confirm.html", {"problem": problem}, status=404)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"display_name": user.first_name, "email": user.email}
    form = ProfileForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        user.first_name = form.cleaned_data["display_name"]
        user.save(update_fields=["first_name"])
        email = form.cleaned_data["email"]
        if email.casefold() != user.email.casefold():
            # A new address is used once proved, from a link sent to it. If another
            # account has it, its owner is told instead, and nothing here says so.
            if email_taken(email, exclude_pk=user.pk):
                emails.address_in_use(email)
            else:
                token = signing.dumps({"u": user.pk, "e": email}, salt=EMAIL_CHANGE_SALT)
                emails.confirm_email_change(email, user.username, token)
            messages.success(
                request,
                f"We sent a link to {email} to confirm it. Until it is opened, your account "
                f"keeps {user.email or 'no address'}.",
            )
        else:
            messages.success(request, "Your profile was saved.")
        return redirect(reverse("profile"))
    return render(
        request,
        "registration/profile.html",
        {
            "form": form,
            "key_form": ApiKeyForm(),
            "api_keys": ApiKey.objects.filter(owner=user).with_usage(),
            "album_choices": keeping.album_choices(user),
            # Shown once, on the page after it was made: only a hash of the key is kept.
            "new_api_key": request.session.pop("new_api_key", None),
        },
    )


@login_required
@require_POST
def api_key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the key a name (at most 100 characters).")
        return redirect(reverse("profile") + "#api-keys")
    _, secret = ApiKey.issue(request.user, form.cleaned_data["name"])
    request.session["new_api_key"] = secret
    return redirect(reverse("profile") + "#api-keys")


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk, owner=request.user)
    if key.revoke():
        messages.success(request, f"The key “{key.name}” was revoked; it works no more.")
    return redirect(reverse("profile") + "#api-keys")


@login_required
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        change = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=SIGNUP_DAYS * 86400)
    except signing.BadSignature:
        change = None
    if not change or change.get("u") != request.user.pk:
        messages.error(request, "This link no longer works, or is for another account.")
        return redirect("profile")
    if request.method != "POST":
        return render(request, "registration/email_confirm.html", {"email": change["e"]})
    user = request.user
    try:
        with transaction.atomic():
            if email_taken(change["e"], exclude_pk=user.pk):
                raise IntegrityError
            user.email = change["e"]
            user.save(update_fields=["email"])
    except IntegrityError:
        messages.error(request, "That address cannot be used for your account.")
    else:
        messages.success(request, f"Your account now uses {user.email}.")
    return redirect("profile")


@login_required
@require_POST
def api_key_album(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep this key's results in one of the person's albums, or in none."""
    key = get_object_or_404(ApiKey, pk=pk, owner=request.user, revoked_at__isnull=True)
    code = request.POST.get("album", "")
    titles = dict(keeping.album_choices(request.user))
    if code and code not in titles:
        messages.error(request, "Choose one of your albums.")
    else:
        key.album_code = code
        key.save(update_fields=["album_code"])
        if code:
            messages.success(request, f"Results of “{key.name}” are now kept in “{titles[code]}”.")
        else:
            messages.success(request, f"Results of “{key.name}” stay out of your albums.")
    return redirect(reverse("profile") + "#api-keys")
