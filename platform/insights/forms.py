"""The staff form that describes a candidate title for the audience forecast."""

from django import forms

from catalog.models import Genre, Tag


class CandidateTitleForm(forms.Form):
    name = forms.CharField(max_length=300)
    genres = forms.ModelMultipleChoiceField(Genre.objects.all(), required=False, to_field_name="slug")
    tags = forms.ModelMultipleChoiceField(
        Tag.objects.filter(is_active=True), required=False, to_field_name="slug"
    )
    year = forms.IntegerField(min_value=1870, max_value=2100, required=False)
    runtime_minutes = forms.IntegerField(
        min_value=1,
        max_value=1000,
        required=False,
        help_text="Shown with the forecast; the model has no runtime feature.",
    )
    synopsis = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text="Adds the tags whose descriptions it matches closely.",
    )

    def description(self) -> dict:
        """The form as the JSON description `forecast_title --json` reads."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "genres": [g.slug for g in data["genres"]],
            "tags": [t.slug for t in data["tags"]],
            "year": data["year"],
            "synopsis": data["synopsis"],
            "runtime_minutes": data["runtime_minutes"],
        }
