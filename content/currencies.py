"""ISO 4217 currency codes, for ``content check``.

A table in code rather than a dependency: the list changes a few times a decade, and the
libraries that carry it (pycountry, babel) are large for one set lookup. Active codes of the
ISO 4217 list (amendment 176, 2024), fund and precious-metal codes left out because no salary
or price is stated in them.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ISO_4217", "is_currency_code"]

ISO_4217: Final = frozenset(
    # One string keeps the table readable at a glance (ruff would want one code per line).
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER
    ZAR ZMW ZWG
    """.split()  # noqa: SIM905
)


def is_currency_code(code: str) -> bool:
    """``"GBP"`` -> True, ``"GPB"`` -> False."""
    return code in ISO_4217
