from __future__ import annotations

import math
from dataclasses import dataclass

from django import forms
from django.conf import settings

from albums.dates import DateNotUnderstood, FuzzyDate, parse_date
from albums.models import CAPTION_MAX_LENGTH, MEMBER_ROLES, PERSON_NAME_MAX_LENGTH, Role
from restorer import clients
from restorer.accounts.forms import SignupForm
from restorer.providers.base import RestoreOptions
from restorer.regions import MAX_STRAIGHTEN, FrameError, parse_crop

DAMAGE_CHOICES = [
    (0, "Light: dust, specks, grain, faded tone"),
    (1, "Medium: also scratches and creases"),
    (2, "Severe: also cracks, tears, stains and missing corners"),
]
MODEL_CHOICES = [
    (1, "Realistic: faithful to the original"),
    (2, "Smart enhancement: stronger contrast, sharpness and colour"),
    (3, "Ultra HD: enlarged twice, with finer detail"),
]

TONING_HELP = "For black-and-white prints only; ignored when the photo is colorized."
TONING_HELP_PICWISH = (
    "For black-and-white prints only, and done by the embedded engine alone: photos here "
    "are restored by PicWish, which cannot do it, so toned prints keep their toning."
)


class CheckboxValue(forms.CheckboxInput):
    """A checkbox whose posted value reaches its field as sent: Django's own takes any
    value but "false" for ticked, so a script's "maybe" would silently mean yes."""

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")


class CheckboxField(forms.BooleanField):
    """A yes-or-no option: ticked or not in a browser; on/off, 1/0, true/false or yes/no
    from a script. Anything else is refused with an error, as other fields refuse a value
    that is not one of their choices."""

    widget = CheckboxValue
    YES = {"on", "1", "true", "yes"}
    NO = {"", "off", "0", "false", "no"}

    def to_python(self, value) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        shown = str(value) if len(str(value)) <= 20 else f"{str(value)[:20]}…"
        raise forms.ValidationError(
            "Tick the box or leave it empty (a script sends on or off, not “%(value)s”).",
            code="invalid",
            params={"value": shown},
        )


class RestoreForm(forms.Form):
    """How to restore: the same three choices as PicWish's API, and removing a print's
    toning, which only the embedded engine does."""

    # Left out of a request, the defaults apply (a form posted by a script, say).
    restoration_type = forms.TypedChoiceField(
        label="Damage",
        choices=DAMAGE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        initial=1,
        required=False,
        empty_value=1,
    )
    model_type = forms.TypedChoiceField(
        label="Model",
        choices=MODEL_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        initial=1,
        required=False,
        empty_value=1,
        help_text="Not used for light damage.",
    )
    change_color = CheckboxField(
        label="Colorize: bring faded colour back, or add colour to black-and-white",
        required=False,
    )
    remove_toning = CheckboxField(
        label="Remove sepia or other toning (neutral black and white)",
        required=False,
        help_text=TONING_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reason = clients.colorize_unavailable_reason()
        if reason:
            field = self.fields["change_color"]
            field.label = "Bring faded colour back (colour photos only)"
            field.help_text = reason
        if settings.RESTORER_PROVIDER == "picwish":
            # PicWish has no such option: the form must not promise what it won't do.
            self.fields["remove_toning"].help_text = TONING_HELP_PICWISH

    @staticmethod
    def initial_for(options: RestoreOptions) -> dict:
        return options.fields()

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            cleaned["options"] = RestoreOptions(
                restoration_type=cleaned["restoration_type"],
                model_type=cleaned["model_type"],
                change_color=cleaned["change_color"],
                remove_toning=cleaned["remove_toning"],
            )
        return cleaned


class AlbumForm(RestoreForm):
    # dir="auto": a title in Hebrew or Arabic is typed and shown right to left.
    title = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"autofocus": True, "dir": "auto"})
    )
    description = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text="Who, where, when: anything the family should know about these photos.",
    )
    # the title and description first, then RestoreForm's options in their own order
    field_order = ["title", "description"]

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Give the album a title.")
        return title

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()


class AlbumEditForm(AlbumForm):
    apply_to_photos = forms.BooleanField(
        label="Also restore the photos already in the album with these options",
        required=False,
        help_text="You see how many restorations that takes, and confirm, before any starts.",
    )

    def __init__(self, *args, photo_count: int, **kwargs):
        super().__init__(*args, **kwargs)
        if photo_count:
            self.fields["apply_to_photos"].label = (
                f"Also restore the {photo_count} photo{'s' if photo_count != 1 else ''} "
                "already in the album with these options"
            )
        else:
            del self.fields["apply_to_photos"]


def clean_story(text: str) -> str:
    """A multi-line text tidied: spaces within lines and blank lines kept to one."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    tidy = "\n".join(lines).strip("\n")
    while "\n\n\n" in tidy:
        tidy = tidy.replace("\n\n\n", "\n\n")
    return tidy


class CaptionForm(forms.Form):
    caption = forms.CharField(
        max_length=CAPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "Who is in it? What was happening?", "dir": "auto"}
        ),
    )

    def clean_caption(self) -> str:
        return clean_story(self.cleaned_data["caption"])


class DetailsForm(CaptionForm):
    """A photo's story, date, place and people, as the photo page and scripts post them."""

    caption = forms.CharField(
        label="Story",
        max_length=CAPTION_MAX_LENGTH,
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "Who is in it? What was happening?", "dir": "auto"}
        ),
    )
    date = forms.CharField(
        label="When",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "1935, about 1935, 1930s, June 1935"}),
        help_text="As exact as you know: 12 June 1935, June 1935, summer 1935, 1935, "
        "about 1935, 1935-1940, 1930s, early 1930s.",
    )
    place = forms.CharField(
        label="Where",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Brighton, the farm at Kilby", "dir": "auto"}),
    )
    people = forms.CharField(
        label="People",
        max_length=2000,
        required=False,
        widget=forms.TextInput(
            attrs={
                "placeholder": "Anna, Uncle Tom",
                "list": "people-names",
                "autocomplete": "off",
                "dir": "auto",
            }
        ),
        help_text="Names separated by commas.",
    )

    def clean_date(self) -> FuzzyDate | None:
        text = self.cleaned_data["date"]
        if not text.strip():
            return None
        try:
            return parse_date(text)
        except DateNotUnderstood as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_place(self) -> str:
        return " ".join(self.cleaned_data["place"].split())

    def clean_people(self) -> list[str]:
        names: list[str] = []
        keys: set[str] = set()
        for part in self.cleaned_data["people"].split(","):
            name = " ".join(part.split())
            if not name:
                continue
            if len(name) > PERSON_NAME_MAX_LENGTH:
                raise forms.ValidationError(
                    f"“{name[:20]}…” is too long for a name "
                    f"(at most {PERSON_NAME_MAX_LENGTH} characters)."
                )
            if name.casefold() not in keys:
                keys.add(name.casefold())
                names.append(name)
        if len(names) > 50:
            raise forms.ValidationError("Name at most 50 people in one photo.")
        return names

    @staticmethod
    def initial_for(photo) -> dict:
        return {
            "caption": photo.caption,
            "date": photo.date_text,
            "place": photo.place,
            "people": ", ".join(p.name for p in photo.people.all()),
        }


class BulkForm(forms.Form):
    """What to do with several photos of an album; the photos are checked by the view."""

    ACTIONS = [
        ("restore", "Restore again…"),
        ("move", "Move to another album…"),
        ("download", "Download as a ZIP"),
        ("delete", "Delete…"),
    ]
    action = forms.ChoiceField(
        label="With the selected photos",
        choices=ACTIONS,
        error_messages={
            "required": "Choose what to do with the selected photos.",
            "invalid_choice": "Choose restore, move, download or delete.",
        },
    )


class DownloadAllForm(forms.Form):
    """What the owner's "Download all" ZIP holds; both unless they choose."""

    include = forms.ChoiceField(
        label="Include",
        choices=[
            ("both", "Originals and restorations"),
            ("restored", "Restorations only"),
            ("originals", "Originals only"),
        ],
        initial="both",
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_include(self) -> str:
        return self.cleaned_data["include"] or "both"


EXPIRY_CHOICES = [
    ("1", "1 day"),
    ("7", "1 week"),
    ("30", "30 days"),
    ("90", "3 months"),
    ("365", "1 year"),
    ("", "Never"),
]


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "For grandma", "dir": "auto"}),
        help_text="Only you see it, to tell your links apart.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Works for",
        choices=EXPIRY_CHOICES,
        required=False,
        initial="30",
        coerce=int,
        empty_value=None,
    )
    password = forms.CharField(
        max_length=128,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Optional. Visitors must type it before they see anything.",
    )
    allow_download = forms.BooleanField(
        label="Visitors may download the photos", required=False, initial=True
    )

    def __init__(self, data=None, *args, **kwargs):
        # A script leaving expires_in_days out gets the default; sending it empty means never.
        if data is not None and "expires_in_days" not in data:
            data = data.copy()
            data["expires_in_days"] = "30"
        super().__init__(data, *args, **kwargs)
        # Any number of days up to ten years is fine from a script, not only the menu's.
        self.fields["expires_in_days"].choices = EXPIRY_CHOICES
        # ASCII digits only: str.isdigit() is true of "²", which int() refuses.
        self.fields["expires_in_days"].valid_value = lambda value: (
            value == ""
            or (str(value).isascii() and str(value).isdigit() and 1 <= int(value) <= 3650)
        )

    def clean_label(self) -> str:
        return " ".join(self.cleaned_data["label"].split())


ROLE_HELP = (
    "Viewers see the album as it is shown and download it. Contributors also add photos "
    "(they count against your storage and restorations) and edit captions and details; "
    "they delete only photos they added, and never change the album or its sharing."
)


class MemberForm(forms.Form):
    who = forms.CharField(
        label="Username or e-mail",
        max_length=254,
        widget=forms.TextInput(attrs={"placeholder": "cousin.anne or anne@example.org"}),
    )
    # Left out of a request (a script, say), a person is invited as a viewer.
    role = forms.TypedChoiceField(
        choices=MEMBER_ROLES,
        initial=Role.VIEWER,
        required=False,
        empty_value=Role.VIEWER,
        widget=forms.RadioSelect,
        help_text=ROLE_HELP,
        error_messages={"invalid_choice": "Choose viewer or contributor."},
    )

    def __init__(self, *args, album, **kwargs):
        self.album = album
        super().__init__(*args, **kwargs)

    def clean_who(self) -> Invitee:
        """Who to invite, found without telling the owner anything about accounts."""
        from django.contrib.auth import get_user_model
        from django.core.validators import validate_email

        who = self.cleaned_data["who"].strip()
        owner = self.album.owner
        if "@" in who:
            validate_email(who)
            if owner.email and who.casefold() == owner.email.casefold():
                raise forms.ValidationError("That is you: the album is yours already.")
            return Invitee(email=who, label=who, by_email=True)
        user = get_user_model().objects.filter(is_active=True, username__iexact=who).first()
        if user == owner:
            raise forms.ValidationError("That is you: the album is yours already.")
        return Invitee(email=user.email if user else "", label=who, by_email=False)


class InvitedSignupForm(SignupForm):
    """Sign-up from an invitation: the address is the one the invitation was sent to."""

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["email"]
        field.disabled = True  # what is posted is ignored: the invited address it is
        field.initial = email
        field.help_text = "The address the invitation was sent to. You can change it later."


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=MEMBER_ROLES, error_messages={"invalid_choice": "Choose viewer or contributor."}
    )


@dataclass(frozen=True)
class Invitee:
    """An address to send an invitation to (empty: nobody to send it to), and how the
    owner named them, which is all the owner is ever shown."""

    email: str
    label: str
    by_email: bool


class EditForm(forms.Form):
    """Turn, straighten and crop a photo: what the editor on the photo page posts."""

    rotate = forms.TypedChoiceField(
        label="Rotate (clockwise)",
        choices=[(0, "0°"), (90, "90°"), (180, "180°"), (270, "270°")],
        coerce=int,
        initial=0,
        required=False,
        empty_value=0,
        error_messages={"invalid_choice": "Rotate by 0, 90, 180 or 270 degrees."},
    )
    straighten = forms.CharField(
        label="Straighten (degrees, clockwise)", required=False, initial="0", max_length=20
    )
    crop = forms.CharField(
        label="Crop (x,y,w,h as fractions)",
        required=False,
        max_length=120,
        help_text="Of the turned and straightened picture, e.g. 0.1,0.1,0.8,0.8. Empty: all of it.",
    )

    def clean_straighten(self) -> float:
        text = (self.cleaned_data.get("straighten") or "0").strip().replace("−", "-")
        try:
            value = float(text)
        except ValueError:
            raise forms.ValidationError(
                "Give the straightening angle in degrees, e.g. -1.5."
            ) from None
        if not math.isfinite(value) or abs(value) > MAX_STRAIGHTEN:
            raise forms.ValidationError(
                f"Straighten by at most {MAX_STRAIGHTEN:g} degrees either way (not {text})."
            )
        return value

    def clean_crop(self) -> tuple[float, float, float, float] | None:
        text = (self.cleaned_data.get("crop") or "").strip()
        if not text:
            return None
        try:
            return parse_crop(text)
        except FrameError as exc:
            raise forms.ValidationError(str(exc)) from None
