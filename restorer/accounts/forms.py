from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator

from restorer import throttle
from restorer.accounts import login_throttle

User = get_user_model()


def email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    others = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.exists()


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        help_text="We send a link there to confirm it. For resetting a forgotten password; "
        "never shown to anyone.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self) -> str:
        # Whether the address has an account is never said here: the address's owner
        # is told by e-mail instead (views.signup).
        return self.cleaned_data["email"].strip()


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=150,
        required=False,
        help_text="Shown instead of your username on albums you share.",
    )
    email = forms.EmailField()

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_display_name(self) -> str:
        return self.cleaned_data["display_name"].strip()

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Name of a new key",
        max_length=100,
        help_text="Say where it is used, such as “GIMP on the studio PC”.",
    )

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class ThrottledLoginMixin:
    """Refuses tries that come too fast after failed ones (login_throttle.py)."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        wait = login_throttle.login_wait(self.request, username)
        if wait:
            raise forms.ValidationError(
                f"Too many failed logins. Wait {throttle.describe_wait(wait)}, then try "
                "again, or reset your password if you have forgotten it.",
                code="throttled",
            )
        try:
            return super().clean()
        except forms.ValidationError as exc:
            if exc.code == "invalid_login":
                login_throttle.record_failure(self.request, username)
            raise


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That username or e-mail address and password do not match an account. "
            "The password is case-sensitive."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.label = "Username or e-mail"
        # An address may be longer than a username.
        field.max_length = 254
        field.validators = [MaxLengthValidator(254)]
        field.widget.attrs["maxlength"] = "254"


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
