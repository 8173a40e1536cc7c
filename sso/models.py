"""Identity providers per organisation, people's links to a provider's subject id, group-to-role mappings, the
sign-in trail, and the marker device that records a provider's multi-factor assertion for django-otp."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django_otp.models import Device
from simple_history.models import HistoricalRecords

from organisations.models import Partnership, Role, Scope

from . import rules

# Addresses under /sso/ that a provider's start address (/sso/<slug>/) must not take.
RESERVED_SLUGS = frozenset({"callback", "sign-ins"})


class IdentityProvider(models.Model):
    """One OpenID Connect provider an organisation signs its staff in with (for example its Entra ID tenant)."""

    slug = models.SlugField(max_length=40, unique=True, help_text="Short name used in the sign-in address")
    name = models.CharField(max_length=120, help_text="The organisation's name as staff know it, for the button")
    authority = models.ForeignKey(
        "organisations.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The authority whose staff sign in here (or choose a partnership)",
    )
    partnership = models.ForeignKey(
        "organisations.Partnership", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The partnership whose staff sign in here (or choose an authority)",
    )
    issuer = models.URLField(
        help_text="The issuer URL; its /.well-known/openid-configuration is read for the endpoints and keys"
    )
    client_id = models.CharField(max_length=200)
    client_secret_env = models.CharField(
        "environment variable holding the client secret", max_length=100,
        help_text="The NAME of the environment variable, never the secret itself (for example SSO_KENT_SECRET)",
    )
    allowed_email_domains = models.CharField(
        max_length=500, help_text="Email domains that may sign in here, separated by spaces (for example kent.gov.uk)"
    )
    allow_group_provisioning = models.BooleanField(
        default=False,
        help_text="Create and update people from the provider's group claims, through the group mappings",
    )
    mfa_acr = models.CharField(
        "acr value that means multi-factor", max_length=200, blank=True,
        help_text="Besides amr containing mfa, this acr value also counts as a second factor (blank: amr only)",
    )
    scopes = models.CharField(max_length=200, default="openid email profile")
    enabled = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="identity_provider_belongs_to_one_organisation",
                condition=Q(authority__isnull=False, partnership__isnull=True)
                | Q(authority__isnull=True, partnership__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": "This short name is taken by a page of the service: choose another."})

    @property
    def email_domains(self) -> list[str]:
        return rules.parse_domains(self.allowed_email_domains)


class ProviderAccount(models.Model):
    """A person's link to the stable subject id (`sub`) their identity provider gives them."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.PROTECT, related_name="accounts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_accounts")
    subject = models.CharField(max_length=255)
    managed_by_groups = models.BooleanField(
        default=False, help_text="Created from group claims: role and scope follow the groups at each sign-in"
    )
    linked_at = models.DateTimeField()
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    access_removed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person left every mapped group and their account was closed"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="one_account_per_subject"),
            models.UniqueConstraint(fields=["provider", "user"], name="one_subject_per_user_and_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.provider}"


class GroupMapping(models.Model):
    """A provider's group id (for Entra ID, the group's object id) and the role and scope it gives."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="group_mappings")
    group_id = models.CharField(max_length=200)
    description = models.CharField(max_length=200, blank=True, help_text="The group's name, for people reading")
    role = models.CharField(max_length=30, choices=[c for c in Role.choices if c[0] not in rules.NEVER_FROM_GROUPS])
    scope = models.CharField(
        max_length=20, choices=[(Scope.AUTHORITY.value, Scope.AUTHORITY.label),
                                (Scope.PARTNERSHIP.value, Scope.PARTNERSHIP.label)],
    )
    authority = models.ForeignKey(
        "organisations.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )
    partnership = models.ForeignKey(
        "organisations.Partnership", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )
    precedence = models.PositiveSmallIntegerField(
        default=100, help_text="When a person is in several mapped groups, the lowest number wins"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider", "precedence", "group_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "group_id"], name="one_mapping_per_group"),
            models.CheckConstraint(
                name="group_mapping_scope_matches_its_organisation",
                condition=Q(scope="authority", authority__isnull=False, partnership__isnull=True)
                | Q(scope="partnership", partnership__isnull=False, authority__isnull=True),
            ),
            models.CheckConstraint(
                name="group_mapping_never_gives_machine_or_provider_roles",
                condition=~Q(role__in=sorted(rules.NEVER_FROM_GROUPS)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description or self.group_id}: {self.get_role_display()}"

    def clean(self) -> None:
        if not self.provider_id:
            return
        provider = self.provider
        partnership_ids = {pk for pk in (self.partnership_id, provider.partnership_id) if pk}
        member_ids_of = {
            p.pk: {a.pk for a in p.members.all()}
            for p in Partnership.objects.filter(pk__in=partnership_ids).prefetch_related("members")
        }
        if not rules.mapping_within_organisation(
            provider_authority_id=provider.authority_id, provider_partnership_id=provider.partnership_id,
            authority_id=self.authority_id, partnership_id=self.partnership_id, member_ids_of=member_ids_of,
        ):
            raise ValidationError("A provider's groups can only give access inside its own organisation: choose its "
                                  "authority, or a partnership it belongs to.")


class SignInEvent(models.Model):
    """The sign-in trail: every sign-in by a council account, every refusal with its reason, every role change
    from group claims, every sign-out. Append-only: written by sso.services only."""

    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=30, choices=rules.EventKind.choices)
    reason = models.CharField(max_length=30, choices=rules.Refusal.choices, blank=True)
    provider = models.ForeignKey(IdentityProvider, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    subject = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.email or self.subject}".strip()


class ProviderMfaDevice(Device):
    """Stands for 'the identity provider asserted multi-factor authentication at this sign-in' in django-otp: the
    sign-in service logs it in (django_otp.login) only when the ID token says so, which makes the session verified
    and skips the product's own authenticator step. It never accepts a typed code."""

    # No reverse accessor on the user (django-otp finds devices by model): the person's devices stay TOTP ones.
    user: models.ForeignKey = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        help_text="The person whose sign-ins this device stands for",
    )

    def verify_token(self, token: str) -> bool:
        return False
