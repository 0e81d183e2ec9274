"""Forms of the subscriber pages; every field has a label the templates render."""

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.db.models import Count

from accounts.models import Cancellation, Plan, Profile, User
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
    # The account's country sets its catalogue; after sign-up only staff change it.
    region = forms.ModelChoiceField(Region.objects.all(), label="Country", required=False, empty_label="Choose later")
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
        labels = {"name": "Name", "maturity_limit": "Maturity", "avatar_color": "Avatar colour"}
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


class CommunicationForm(forms.ModelForm):
    """The self-service half of the account: plan moves have their own confirmed flow, and the
    country (region) is changed by staff only, so neither is a field here."""

    class Meta:
        model = User
        fields = ["marketing_consent"]
        labels = {"marketing_consent": "Send me news and recommendations by email"}


class PlaybackForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["playback_quality"]
        labels = {"playback_quality": "Video quality"}
        widgets = {"playback_quality": forms.RadioSelect}


class PlanChoiceForm(forms.Form):
    plan = forms.ModelChoiceField(Plan.objects.all(), label="Plan", widget=forms.RadioSelect, empty_label=None,
                                  to_field_name="code", error_messages={"required": "Choose a plan.",
                                                                        "invalid_choice": "Choose one of the plans listed."})


class CancelForm(forms.Form):
    reason = forms.ChoiceField(choices=Cancellation.Reason.choices, label="Why are you leaving?",
                               widget=forms.RadioSelect, error_messages={"required": "Choose a reason."})
    comment = forms.CharField(label="Anything else we should know? (optional)", required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ProfilePinForm(forms.Form):
    """Set a profile lock; the account password proves the owner (checked by accounts.actions)."""

    pin = forms.RegexField(r"\A[0-9]{4}\Z", label="New 4-digit PIN", strip=True,
                           error_messages={"invalid": "Enter exactly 4 digits."},
                           widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                             "maxlength": 4}))
    pin_again = forms.CharField(label="The PIN again", widget=forms.PasswordInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4}))
    password = forms.CharField(label="Account password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("pin") and cleaned.get("pin_again") is not None and cleaned["pin"] != cleaned["pin_again"]:
            self.add_error("pin_again", "The two PINs differ.")
        return cleaned


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(label="Account password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ProfileUnlockForm(forms.Form):
    pin = forms.CharField(label="PIN", max_length=4, widget=forms.PasswordInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4, "autofocus": True}))


class RetagForm(forms.Form):
    title = forms.ModelChoiceField(Title.objects.all(), label="Title id", widget=forms.NumberInput)
