from django.db import migrations

# (code, name, category, asf_fundable, specialist_assessment, core_offer, asf_excluded)
CATALOGUE = [
    ("specialist-assessment", "Specialist assessment (trauma and attachment)", "specialist_assessment", True, True, False, False),
    ("therapeutic-parenting", "Therapeutic parenting training", "therapy", True, False, False, False),
    ("multi-disciplinary", "Multi-disciplinary therapeutic package", "therapy", True, False, False, False),
    ("psychotherapy", "Psychotherapy", "therapy", True, False, False, False),
    ("attachment-therapy", "Attachment-focused therapy", "therapy", True, False, False, False),
    ("cbt", "Cognitive behavioural therapy", "therapy", True, False, False, False),
    ("systemic-family-therapy", "Systemic family therapy", "therapy", True, False, False, False),
    ("vig", "Video Interaction Guidance", "therapy", True, False, False, False),
    ("ddp", "Dyadic Developmental Psychotherapy", "therapy", True, False, False, False),
    ("creative-therapies", "Creative therapies (art, music, drama, play)", "therapy", True, False, False, False),
    ("therapeutic-life-story", "Therapeutic life story work", "therapy", True, False, False, False),
    ("therapeutic-short-breaks", "Therapeutic part of short breaks", "therapy", True, False, False, False),
    ("advice", "Advice and information", "core_offer", False, False, True, True),
    ("counselling", "Counselling", "core_offer", False, False, True, True),
    ("support-groups", "Support groups", "core_offer", False, False, True, True),
    ("contact-mediation", "Contact mediation", "core_offer", False, False, True, True),
    ("basic-life-story", "Basic life story work", "core_offer", False, False, True, True),
    ("respite", "Respite without therapy", "core_offer", False, False, True, True),
    ("birth-parent-support", "Birth parent support and counselling", "birth_family", False, False, False, False),
    ("adult-adoptee-records", "Access to birth records and intermediary services for adult adoptees", "birth_family", False, False, False, False),
    ("birth-relative-intermediary", "Access to information and intermediary services for birth relatives", "birth_family", False, False, False, False),
    ("direct-letterbox-contact", "Direct and letterbox contact", "birth_family", False, False, False, False),
    ("intercountry-advice", "Inter-country adoption advice and consultation", "intercountry", False, False, False, False),
    ("intercountry-post-adoption", "Inter-country post-adoption support", "intercountry", False, False, False, False),
    ("financial-support", "Financial support (adoption or special guardianship allowance)", "financial", False, False, False, False),
    ("speech-therapy", "Speech and language therapy", "excluded", False, False, False, True),
    ("occupational-therapy", "Occupational therapy", "excluded", False, False, False, True),
    ("single-condition-assessment", "Single-condition assessment (ADHD, FASD, autism)", "excluded", False, False, False, True),
    ("equine-therapy", "Equine therapy", "excluded", False, False, False, True),
    ("hypnotherapy", "Hypnotherapy", "excluded", False, False, False, True),
]


def seed(apps, schema_editor):
    ServiceType = apps.get_model("support", "ServiceType")
    for code, name, category, fundable, specialist, core, excluded in CATALOGUE:
        ServiceType.objects.update_or_create(
            code=code,
            defaults={"name": name, "category": category, "asf_fundable": fundable,
                      "specialist_assessment": specialist, "core_offer": core, "asf_excluded": excluded},
        )


class Migration(migrations.Migration):
    dependencies = [("support", "0001_service_catalogue")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
