from django import forms

from restorer.providers.base import RestoreOptions

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


class RestoreForm(forms.Form):
    """How to restore: the same three choices as PicWish's API."""

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
    change_color = forms.BooleanField(
        label="Colorize: bring faded colour back, or add colour to black-and-white",
        required=False,
    )

    @staticmethod
    def initial_for(options: RestoreOptions) -> dict:
        return {
            "restoration_type": options.restoration_type,
            "model_type": options.model_type,
            "change_color": options.change_color,
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            cleaned["options"] = RestoreOptions(
                restoration_type=cleaned["restoration_type"],
                model_type=cleaned["model_type"],
                change_color=cleaned["change_color"],
            )
        return cleaned


class AlbumForm(RestoreForm):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autofocus": True}))
    description = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who, where, when: anything the family should know about these photos.",
    )
    field_order = ["title", "description", "restoration_type", "model_type", "change_color"]

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Give the album a title.")
        return title

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()


class CaptionForm(forms.Form):
    caption = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Who is in it? Where and when was it taken?"}),
    )

    def clean_caption(self) -> str:
        return " ".join(self.cleaned_data["caption"].split())
