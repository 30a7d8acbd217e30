from django import forms


class AlbumForm(forms.Form):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autofocus": True}))
    description = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who, where, when: anything the family should know about these photos.",
    )

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
