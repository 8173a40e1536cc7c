"""Authorities, the partnership (RAA), providers, and the people who sign in, with their role and scope."""

from datetime import date

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.dates import long_date


class Authority(models.Model):
    name = models.CharField(max_length=120, unique=True)
    short_code = models.SlugField(max_length=20, unique=True, help_text="Lower case, used in user names")
    ons_code = models.CharField("ONS code", max_length=9, unique=True)
    postcode_districts = models.CharField(
        max_length=600, blank=True,
        help_text="The postcode districts or areas the authority covers, separated by spaces (for example "
                  "ME14 ME15 CT): the case-system import places an address in an authority by its postcode")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return self.name


class Partnership(models.Model):
    """A Regional Adoption Agency: a partnership of authorities, one leading each business service."""

    name = models.CharField(max_length=160, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    members = models.ManyToManyField(Authority, related_name="partnerships")
    live_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessService(models.TextChoices):
    ADOPTION_SUPPORT = "adoption_support", "Adoption support"
    COMMISSIONING = "commissioning", "Commissioning"
    FINANCE = "finance", "Finance"
    RECRUITMENT = "recruitment", "Adopter recruitment"
    FAMILY_FINDING = "family_finding", "Family finding"


class PartnershipLead(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="leads")
    business_service = models.CharField(max_length=40, choices=BusinessService.choices)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="leads")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "business_service"], name="one_lead_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.get_business_service_display()}: {self.authority}"


class ProviderKind(models.TextChoices):
    VOLUNTARY_ADOPTION_AGENCY = "vaa", "Voluntary adoption agency"
    ADOPTION_SUPPORT_AGENCY = "asa", "Adoption support agency"
    NHS = "nhs", "NHS"
    LOCAL_AUTHORITY = "la", "Local authority"
    INDEPENDENT = "independent", "Independent"


class Provider(models.Model):
    name = models.CharField(max_length=160, unique=True)
    kind = models.CharField(max_length=20, choices=ProviderKind.choices)
    ofsted_urn = models.CharField("Ofsted URN", max_length=20, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="partners",
        help_text="The organisation this one delivers through or for (for example a clinic partner)",
    )
    approved = models.BooleanField(default=True, help_text="On the partnership's approved-provider list")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def checks_valid_on(self, on_date: date) -> bool:
        """The provider is verified on `on_date`: it holds at least one check and, for every kind of check it has
        ever held, one of that kind covers the date (a renewed check replaces the lapsed one). The same rule as
        routing's `commissioning.routing.lapsed_check`."""
        covered: dict[str, bool] = {}
        for check in self.registration_checks.all():
            covered[check.kind] = covered.get(check.kind, False) or check.valid_on(on_date)
        return bool(covered) and all(covered.values())


class CheckKind(models.TextChoices):
    OFSTED = "ofsted", "Ofsted registration"
    DBS = "dbs", "DBS checks"
    INSURANCE = "insurance", "Insurance"
    HCPC = "hcpc", "Clinician registration (HCPC)"


class RegistrationCheck(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="registration_checks")
    kind = models.CharField(max_length=20, choices=CheckKind.choices)
    checked_date = models.DateField()
    valid_until_date = models.DateField()
    reference = models.CharField(max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider", "kind", "-valid_until_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until_date__gte=models.F("checked_date")), name="check_valid_after_checked"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_kind_display()} to {long_date(self.valid_until_date)}"

    def valid_on(self, on_date: date) -> bool:
        return self.checked_date <= on_date <= self.valid_until_date


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    LEAD_COMMISSIONER = "lead_commissioner", "Lead commissioner"
    FINANCE_OFFICER = "finance_officer", "Finance officer"
    PROVIDER_STAFF = "provider_staff", "Provider staff"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"
    API_CLIENT = "api_client", "API client"
    DATA_MANAGER = "data_manager", "Data manager"
    LETTERBOX_COORDINATOR = "letterbox_coordinator", "Letterbox coordinator"


class Scope(models.TextChoices):
    AUTHORITY = "authority", "One authority"
    PARTNERSHIP = "partnership", "The whole partnership"
    PROVIDER = "provider", "One provider"


class User(AbstractUser):
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.SOCIAL_WORKER)
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.AUTHORITY)
    authority = models.ForeignKey(Authority, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects: UserManager = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                name="user_scope_matches_its_organisation",
                condition=(
                    Q(scope="authority", authority__isnull=False, provider__isnull=True)
                    | Q(scope="partnership", partnership__isnull=False, provider__isnull=True)
                    | Q(scope="provider", provider__isnull=False, authority__isnull=True)
                ),
            ),
            models.CheckConstraint(
                name="provider_staff_have_provider_scope",
                condition=~Q(role="provider_staff") | Q(scope="provider"),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def organisation_name(self) -> str:
        if self.scope == Scope.PROVIDER and self.provider:
            return self.provider.name
        if self.scope == Scope.PARTNERSHIP and self.partnership:
            return self.partnership.name
        return self.authority.name if self.authority else ""

    def has_role(self, *roles: str) -> bool:
        return self.is_authenticated and self.is_active and self.role in roles
