from django import forms
from django.contrib.auth.forms import AuthenticationForm

from core.forms import GovukFormMixin

from .models import Role


class SignInForm(GovukFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct user name and password. Both are case sensitive.",
        "inactive": "This account has been closed. Ask your administrator.",
        "machine": "This account belongs to a system that uses the API: it cannot sign in to these pages.",
    }

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "User name"
        self.fields["username"].error_messages["required"] = "Enter your user name"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"class": "govuk-input govuk-password-input__input", "autocomplete": "current-password"}
        )


    def confirm_login_allowed(self, user) -> None:  # type: ignore[no-untyped-def]
        super().confirm_login_allowed(user)
        if user.role == Role.API_CLIENT:
            raise forms.ValidationError(self.error_messages["machine"], code="machine")


class TokenForm(GovukFormMixin, forms.Form):
    token = forms.CharField(
        label="Security code",
        help_text="The 6-digit code from your authenticator app",
        min_length=6,
        max_length=6,
        error_messages={
            "required": "Enter the security code",
            "min_length": "The security code must be 6 digits",
            "max_length": "The security code must be 6 digits",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                      "class": "govuk-input--width-5"}),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("The security code must be 6 digits")
        return token
