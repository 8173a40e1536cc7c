"""Demo letterheads for each authority (the letters issued by the other apps' demo steps use them)."""

from core.demo import DemoContext
from organisations.models import Authority, Provider

from .models import Letterhead
from .recipients import Channel
from .selectors import contact_preference_for
from .services import contact_preference_save, letterhead_save

LETTERHEADS = {
    "kent": ("Kent County Council", "Adoption Support Team\nSessions House\nCounty Road\nMaidstone\nME14 1XQ",
             "03000 41 11 11", "adoption.support@kent.demo.invalid"),
    "medway": ("Medway Council", "Adoption Support Team\nGun Wharf\nDock Road\nChatham\nME4 4TR",
               "01634 33 33 33", "adoption.support@medway.demo.invalid"),
    "bexley": ("London Borough of Bexley", "Adoption Support Team\nCivic Offices\n2 Watling Street\nBexleyheath\n"
               "DA6 7AT", "020 8303 7777", "adoption.support@bexley.demo.invalid"),
}


def seed(ctx: DemoContext) -> None:
    for code, (name, address, telephone, email) in LETTERHEADS.items():
        authority = Authority.objects.filter(short_code=code).first()
        if authority is None or Letterhead.objects.filter(authority=authority).exists():
            continue
        letterhead_save(
            authority=authority, display_name=name, address=address, telephone=telephone, email=email,
            signatory_name="Head of Adoption Support", signatory_title="Head of Service, Adoption Support",
            complaint_route=(f"If you are not happy, you can complain to {name}: write to the Complaints Team at the "
                             "address above, or email the address above, saying what you are unhappy about. If you "
                             "are still not happy after our reply, you can ask the Local Government and Social Care "
                             "Ombudsman to look at your complaint."))
        ctx.count("letterheads", True)

    for provider in Provider.objects.all():
        if contact_preference_for(party=provider) is None:
            slug = "".join(ch for ch in provider.name.lower() if ch.isalnum())[:30]
            contact_preference_save(party=provider, channel=Channel.EMAIL, email=f"referrals@{slug}.demo.invalid")
            ctx.count("provider contact preferences", True)
