"""Forms of the subscriber pages; every field has a label the templates render."""

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.db.models import Count

from accounts.models import Plan, Profile, User
from catalog.models import Genre, Region, Title

MAX_ID = 2**63 - 1  # the database's bigint


class IdChoicesField(forms.ModelMultipleChoiceField):
    """Choices by id where an id that no bigint can hold is an invalid choice, not a database
    OverflowError (SQLite's driver raises one for a 20-digit id in an IN list)."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not (text.isdigit() and len(text) <= 19 and int(text) <= MAX_ID):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class SignupForm(forms.Form):
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    profile_name = forms.CharField(label="Your profile name", max_length=50)
    region = forms.ModelChoiceField(Region.objects.all(), label="Region", required=False, empty_label="Choose later")
    plan = forms.ModelChoiceField(Plan.objects.all(), label="Plan", required=False, empty_label="Choose later")

    def clean_email(self) -> str:
        # Whether the address is taken is told only to its owner, by e-mail (accounts.signup).
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            try:
                validate_password(password, User(email=cleaned.get("email", "")))
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["name", "maturity_limit", "avatar_color"]
        labels = {"name": "Name", "maturity_limit": "Maturity limit", "avatar_color": "Avatar colour"}
        widgets = {"avatar_color": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, account: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Profile.objects.filter(account=self.account, name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("This account already has a profile with that name.")
        return name


class OnboardingForm(forms.Form):
    genres = IdChoicesField(
        Genre.objects.all(), label="Genres you like", required=False, widget=forms.CheckboxSelectMultiple
    )
    titles = IdChoicesField(
        Title.objects.none(), label="Titles you like", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, title_choices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["titles"].queryset = title_choices


def onboarding_title_choices(profile, limit: int = 24):
    """The most rated titles the profile may see: ones a new viewer is likely to know."""
    ids = list(
        Title.objects.visible_to(profile)
        .annotate(n=Count("ratings"))
        .order_by("-n", "name")
        .values_list("id", flat=True)[:limit]
    )
    return Title.objects.filter(pk__in=ids)


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["plan", "region", "marketing_consent"]
        labels = {
            "plan": "Plan",
            "region": "Region",
            "marketing_consent": "Send me news and recommendations by email",
        }


class RetagForm(forms.Form):
    title = forms.ModelChoiceField(Title.objects.all(), label="Title id", widget=forms.NumberInput)
