"""Default high-risk jurisdiction lists (ISO 3166-1 alpha-2), from the FATF public statements.

FATF revises both lists after each plenary (February, June, October), so these are only
defaults: deployments set `AmlFeaturesConfig.high_risk_countries` and `monitored_countries` from
their own, current policy list (which often adds sanctioned countries and national lists).

Snapshot: FATF statements of 24 October 2025.
"""

from __future__ import annotations

__all__ = ["FATF_CALL_FOR_ACTION", "FATF_INCREASED_MONITORING"]

# "High-Risk Jurisdictions subject to a Call for Action" (the black list).
FATF_CALL_FOR_ACTION: frozenset[str] = frozenset({"KP", "IR", "MM"})

# "Jurisdictions under Increased Monitoring" (the grey list).
FATF_INCREASED_MONITORING: frozenset[str] = frozenset(
    {
        "DZ",  # Algeria
        "AO",  # Angola
        "BO",  # Bolivia
        "BG",  # Bulgaria
        "CM",  # Cameroon
        "CI",  # Cote d'Ivoire
        "CD",  # Democratic Republic of the Congo
        "HT",  # Haiti
        "KE",  # Kenya
        "LA",  # Lao PDR
        "LB",  # Lebanon
        "MC",  # Monaco
        "NA",  # Namibia
        "NP",  # Nepal
        "SS",  # South Sudan
        "SY",  # Syria
        "VE",  # Venezuela
        "VN",  # Vietnam
        "VG",  # Virgin Islands (UK)
        "YE",  # Yemen
    }
)
