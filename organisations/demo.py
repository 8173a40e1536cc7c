"""Demo organisations and users: Adoption Partnership South East (Kent, Medway, Bexley) and its providers."""

import functools
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password

from core.demo import DemoContext

from .models import (
    Authority,
    BusinessService,
    CheckKind,
    Partnership,
    PartnershipLead,
    Provider,
    ProviderKind,
    RegistrationCheck,
    Role,
    Scope,
    User,
)

AUTHORITIES = [
    ("Kent County Council", "kent", "E10000016"),
    ("Medway Council", "medway", "E06000035"),
    ("London Borough of Bexley", "bexley", "E09000004"),
]
# The postcode districts each authority covers (roughly: enough for the case-system import to place the demo's
# addresses; the longest match wins, so ME14 is Kent while ME1 is Medway).
POSTCODE_DISTRICTS = {
    "kent": "CT TN ME6 ME9 ME10 ME11 ME12 ME13 ME14 ME15 ME16 ME17 ME18 ME19 ME20 DA1 DA2 DA3 DA4 DA9 DA10 DA11 "
            "DA12 DA13",
    "medway": "ME1 ME2 ME3 ME4 ME5 ME7 ME8",
    "bexley": "DA5 DA6 DA7 DA8 DA14 DA15 DA16 DA17 DA18",
}
AUTHORITY_ROLES = [
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.FINANCE_OFFICER,
    Role.LEAD_COMMISSIONER,
    Role.AUDITOR,
    Role.ADMINISTRATOR,
    Role.DATA_MANAGER,
    Role.LETTERBOX_COORDINATOR,
]
# (name, kind, Ofsted URN, user-name prefix, parent)
PROVIDERS = [
    ("Coram", ProviderKind.VOLUNTARY_ADOPTION_AGENCY, "SC037446", "coram", None),
    ("Coram Clinic Psychology Partner", ProviderKind.ADOPTION_SUPPORT_AGENCY, "SC480001", "coramclinic", "coram"),
    ("Barnardo's CAFIS", ProviderKind.ADOPTION_SUPPORT_AGENCY, "SC056113", "cafis", None),
    ("Intercountry Adoption Centre", ProviderKind.VOLUNTARY_ADOPTION_AGENCY, "SC040567", "iac", None),
    ("Overseas Adoption Support Agency", ProviderKind.VOLUNTARY_ADOPTION_AGENCY, "SC512345", "oasa", None),
]
PARTNERSHIP = "Adoption Partnership South East"


@functools.lru_cache(maxsize=4)
def _hashed(password: str) -> str:
    """The demo users share one password: hash it once (each PBKDF2 hash takes most of a second, 34 users half a
    minute)."""
    return make_password(password)


def _user(ctx: DemoContext, username: str, **fields: object) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        first, _, rest = username.partition(".")
        user = User(username=username, first_name=first.capitalize(), last_name=rest.replace("_", " ").title(),
                    email=f"{username}@demo.invalid", **fields)
        user.password = _hashed(ctx.password)
        user.save()
        ctx.count("users", True)
    return user


def seed(ctx: DemoContext) -> None:
    authorities = {}
    for name, code, ons in AUTHORITIES:
        authority, created = Authority.objects.get_or_create(short_code=code, defaults={"name": name, "ons_code": ons})
        ctx.count("authorities", created)
        if not authority.postcode_districts:
            authority.postcode_districts = POSTCODE_DISTRICTS[code]
            authority.save(update_fields=["postcode_districts"])
        authorities[code] = authority

    partnership, created = Partnership.objects.get_or_create(
        name=PARTNERSHIP, defaults={"short_name": "APSE", "live_date": date(2020, 11, 1)}
    )
    ctx.count("partnerships", created)
    missing = [a for a in authorities.values() if not partnership.members.filter(pk=a.pk).exists()]
    if missing:
        partnership.members.add(*missing)
    for service, code in [
        (BusinessService.ADOPTION_SUPPORT, "kent"),
        (BusinessService.COMMISSIONING, "kent"),
        (BusinessService.FINANCE, "medway"),
        (BusinessService.RECRUITMENT, "bexley"),
    ]:
        _, created = PartnershipLead.objects.get_or_create(
            partnership=partnership, business_service=service, defaults={"authority": authorities[code]}
        )
        ctx.count("partnership leads", created)

    providers: dict[str, Provider] = {}
    for name, kind, urn, prefix, parent in PROVIDERS:
        provider, created = Provider.objects.get_or_create(
            name=name, defaults={"kind": kind, "ofsted_urn": urn, "parent": providers.get(parent or "")}
        )
        ctx.count("providers", created)
        providers[prefix] = provider
        for check_kind in (CheckKind.OFSTED, CheckKind.DBS, CheckKind.INSURANCE):
            _, created = RegistrationCheck.objects.get_or_create(
                provider=provider, kind=check_kind,
                defaults={"checked_date": date(2015, 4, 1),
                          "valid_until_date": ctx.today + timedelta(days=365 * 2)},
            )
            ctx.count("registration checks", created)

    for code, authority in authorities.items():
        for role in AUTHORITY_ROLES:
            _user(ctx, f"{code}.{role}", role=role, scope=Scope.AUTHORITY, authority=authority)
    _user(ctx, "kent.social_worker2", role=Role.SOCIAL_WORKER, scope=Scope.AUTHORITY, authority=authorities["kent"])
    _user(ctx, "raa.lead_commissioner", role=Role.LEAD_COMMISSIONER, scope=Scope.PARTNERSHIP,
          partnership=partnership, authority=authorities["kent"])
    _user(ctx, "raa.auditor", role=Role.AUDITOR, scope=Scope.PARTNERSHIP, partnership=partnership)
    _user(ctx, "raa.finance_officer", role=Role.FINANCE_OFFICER, scope=Scope.PARTNERSHIP,
          partnership=partnership, authority=authorities["kent"])
    _user(ctx, "raa.administrator", role=Role.ADMINISTRATOR, scope=Scope.PARTNERSHIP, partnership=partnership,
          is_staff=True, is_superuser=True)
    for prefix, provider in providers.items():
        _user(ctx, f"{prefix}.provider_staff", role=Role.PROVIDER_STAFF, scope=Scope.PROVIDER, provider=provider)

    if ctx.created.get("users"):
        if ctx.password_generated:
            ctx.say(f"Demo users created. Their password (shown once): {ctx.password}")
        else:
            ctx.say("Demo users created with the password from DEMO_PASSWORD.")
    else:
        ctx.say("Demo users already exist; their passwords are unchanged.")
