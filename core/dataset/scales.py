"""How big a generated world is: `tiny` for tests, `raa` for one partnership, `national` for England.

Volumes are per authority, so a `fraction` keeps the 150 national authorities and scales what each holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.dataset.clock import FIRST_DAY


@dataclass(frozen=True)
class Scale:
    authorities: int
    raa_size: int
    households: int  # per authority
    children_per_household: float
    requests_per_child: float
    referrals_per_request: float
    applications_per_assessment: float
    contracts_per_raa: int
    providers: int
    social_workers: int
    first_day: date = FIRST_DAY  # the history starts here and runs to TODAY

    def scaled(self, fraction: float) -> Scale:
        return Scale(
            authorities=self.authorities, raa_size=self.raa_size,
            households=max(1, round(self.households * fraction)),
            children_per_household=self.children_per_household, requests_per_child=self.requests_per_child,
            referrals_per_request=self.referrals_per_request,
            applications_per_assessment=self.applications_per_assessment,
            contracts_per_raa=self.contracts_per_raa, providers=self.providers, social_workers=self.social_workers,
            first_day=self.first_day,
        )


# National (DOMAIN.md 5): 150 authorities x 1,000 households -> 200k children, 250k requests, ~250k applications,
# 500k referrals, ~1M usage rows, a few million ledger entries. An RAA: three authorities at the same rates.
SCALES: dict[str, Scale] = {
    "national": Scale(authorities=150, raa_size=5, households=1000, children_per_household=1.33,
                      requests_per_child=1.25, referrals_per_request=2.0, applications_per_assessment=1.2,
                      contracts_per_raa=6, providers=400, social_workers=6),
    "raa": Scale(authorities=3, raa_size=3, households=1000, children_per_household=1.33, requests_per_child=1.25,
                 referrals_per_request=2.0, applications_per_assessment=1.2, contracts_per_raa=6, providers=40,
                 social_workers=6),
    "tiny": Scale(authorities=2, raa_size=2, households=15, children_per_household=1.33, requests_per_child=1.25,
                  referrals_per_request=2.0, applications_per_assessment=1.2, contracts_per_raa=2, providers=6,
                  social_workers=2, first_day=date(2025, 11, 1)),
}
