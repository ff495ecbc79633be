"""The synthetic bank: account holders with heavy-tailed activity, their regular counterparties,
card merchants, ATMs and the employers that pay salaries.

Activity is Pareto-distributed (a few accounts make most payments), but the counterparty graph
is bounded on purpose: every account pays at most a handful of regular payees and is a regular
payee of at most `MAX_PAYERS` accounts (a business has at most `MAX_SENDERS` payers and
customers together), and each employer pays at most `MAX_EMPLOYEES` people. Busy accounts are
busy with card payments, which the fan-in/fan-out rules leave out (a merchant paid by many
cards is the normal case), or, for businesses, with invoices from a few regular customers. So
clean traffic has no hubs of transfers that the fan rules would rightly flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from loadgen import ids, names
from loadgen.seeds import Stream, rng
from models.aml.jurisdictions import FATF_CALL_FOR_ACTION, FATF_INCREASED_MONITORING

__all__ = ["Account", "Employer", "Merchant", "Party", "Payee", "Population"]

# Where the bank's customers are, and what they pay in.
HOME_COUNTRIES = {
    "DE": 0.26, "FR": 0.14, "NL": 0.07, "ES": 0.10, "IT": 0.10, "AT": 0.05, "BE": 0.05,
    "CH": 0.05, "GB": 0.07, "IE": 0.03, "PT": 0.03, "LU": 0.01, "US": 0.04,
}  # fmt: skip
CURRENCY = {"CH": "CHF", "GB": "GBP", "US": "USD", "PL": "PLN", "SE": "SEK", "DK": "DKK",
            "NO": "NOK", "CZ": "CZK", "JP": "JPY", "SG": "SGD", "CA": "CAD", "AU": "AUD",
            "AE": "AED", "HK": "HKD", "IN": "INR", "BR": "BRL", "MX": "MXN", "TR": "TRY",
            "ZA": "ZAR"}  # fmt: skip
# Counterparties abroad; never a FATF-listed jurisdiction (the high-risk scenarios use those).
_ABROAD = ("US", "GB", "CH", "PL", "SE", "DK", "NO", "CZ", "JP", "SG", "CA", "AU", "AE", "HK",
           "IN", "BR", "MX", "TR", "ZA")  # fmt: skip
FOREIGN_COUNTRIES = tuple(
    c for c in _ABROAD if c not in FATF_CALL_FOR_ACTION | FATF_INCREASED_MONITORING
)
MERCHANT_CATEGORIES = {
    "5411": 0.25, "5812": 0.15, "5814": 0.12, "5541": 0.10, "5912": 0.06, "5651": 0.08,
    "5732": 0.04, "5942": 0.03, "4111": 0.05, "4121": 0.03, "7011": 0.03, "5999": 0.06,
}  # fmt: skip
# Telecom, utilities, streaming: billed by card, and paid by very many customers.
BILL_CATEGORIES = ("4814", "4900", "4899")
BUSINESS_SHARE = 0.12
MAX_PAYERS = 6
# Regular payers and customers of one business together: below the fan-in rule's 10.
MAX_SENDERS = 8
# A business's invoices bring in about twice what its transfers to suppliers take out (card
# spending and what stays in the business make up the difference), in more, smaller legs.
INVOICES_PER_TRANSFER = 1.6
INVOICE_TO_SPEND = 1.25
# A monthly payroll to 10 people or more fires fan_out every payday (the rest of the month
# makes the typical day): the employers here are small.
MAX_EMPLOYEES = 8
# About one card payment an hour at most on average: the velocity rule counts 10 in an hour.
RETAIL_MAX_CARD_RATE = 20.0
BUSINESS_MAX_TRANSFER_RATE = 60.0


def currency_of(country: str) -> str:
    return CURRENCY.get(country, "EUR")


@dataclass(frozen=True, slots=True)
class Party:
    """One side of a transaction as it appears in the record."""

    account: str
    name: str
    country: str
    currency: str
    bic: str


@dataclass(frozen=True, slots=True)
class Payee:
    party: Party
    role: str
    """p2p, rent, supplier or foreign."""
    amount_eur: float
    """The usual amount: exact for rent, a median for the others."""


@dataclass(slots=True)
class Account:
    party: Party
    business: bool
    payees: list[Payee] = field(default_factory=list)
    favourites: tuple[int, ...] = ()
    """Merchants this holder usually pays by card (indices into `Population.merchants`)."""
    wallet: str | None = None
    deposits_cash: bool = False
    clients: list[Party] = field(default_factory=list)
    """A business's regular customers (accounts at other banks) who pay its invoices."""
    invoice_eur: float = 0.0
    """Median invoice a business's customers pay."""


@dataclass(frozen=True, slots=True)
class Merchant:
    party: Party
    mcc: str


@dataclass(frozen=True, slots=True)
class Employer:
    party: Party
    payday: int
    """Day of the month, 1-28."""
    offset_s: int
    """When on payday the salaries go out, in seconds after midnight UTC."""
    employees: tuple[tuple[int, float], ...]
    """(account index, monthly salary in EUR)."""


def _party(gen: np.random.Generator, country: str, business: bool) -> Party:
    name = names.company_name(gen, country) if business else names.person_name(gen, country)
    return Party(
        ids.account_number(gen, country), name, country, currency_of(country), ids.bic(gen, country)
    )


_HOME = tuple(HOME_COUNTRIES)
_HOME_CDF = np.cumsum(list(HOME_COUNTRIES.values()))


def _pick_country(gen: np.random.Generator) -> str:
    return _HOME[min(int(np.searchsorted(_HOME_CDF, gen.random(), side="right")), len(_HOME) - 1)]


def _pareto(
    gen: np.random.Generator, xmin: float, alpha: float, cap: float, size: int
) -> np.ndarray:
    return np.minimum(xmin * (1.0 + gen.pareto(alpha, size)), cap)


class Population:
    """Everything about the bank's customers that stays fixed for a run; built from the seed
    alone, so every process builds the same one."""

    def __init__(self, seed: int, size: int) -> None:
        gen = rng(seed, Stream.POPULATION)
        self.size = size
        business = gen.random(size) < BUSINESS_SHARE
        self.accounts = [
            Account(_party(gen, _pick_country(gen), bool(b)), bool(b)) for b in business
        ]
        self.card_rate = np.where(
            business,
            gen.gamma(2.0, 0.3, size),
            _pareto(gen, 1.0, 1.6, RETAIL_MAX_CARD_RATE, size),
        )
        self.transfer_rate = np.where(
            business,
            _pareto(gen, 2.0, 1.4, BUSINESS_MAX_TRANSFER_RATE, size),
            np.minimum(gen.gamma(2.0, 0.06, size), 2.0),
        )
        # Businesses are paid in frequent invoices from a few regular customers.
        self.revenue_rate = np.where(business, INVOICES_PER_TRANSFER * self.transfer_rate, 0.0)
        self.merchants = self._merchants(gen)
        self.bill_merchants = [i for i, m in enumerate(self.merchants) if m.mcc in BILL_CATEGORIES]
        popularity = 1.0 / np.arange(1, len(self.merchants) + 1) ** 0.9
        popularity = popularity[gen.permutation(len(self.merchants))]
        self.merchant_cdf = np.cumsum(popularity / popularity.sum())
        # Enough ATMs that each sees a few withdrawals an hour at most (velocity, again).
        atms = max(20, size // 200)
        self.atms = {
            country: [
                Party(f"atm:{country}-{int(n):04d}", f"ATM {country}-{int(n):04d}", country,
                      currency_of(country), ids.bic(gen, country))
                for n in gen.choice(10_000, atms, replace=False)
            ]
            for country in HOME_COUNTRIES
        }  # fmt: skip
        self._habits(gen)
        self._payees(gen)
        self.employers = self._employers(gen)
        payroll_per_day = sum(len(e.employees) for e in self.employers) / 30.0
        rates = self.card_rate + self.transfer_rate + self.revenue_rate
        self.activity_cdf = np.cumsum(rates) / rates.sum()
        self.card_share = self.card_rate / rates
        self.revenue_share = self.revenue_rate / rates
        self.transactions_per_day = float(rates.sum()) + payroll_per_day

    def _merchants(self, gen: np.random.Generator) -> list[Merchant]:
        # Enough shops that an ordinary one sees about one card an hour: busier small shops
        # would trip the velocity rule on an ordinary Poisson peak.
        count = max(200, self.size // 10)
        categories = list(MERCHANT_CATEGORIES)
        cdf = np.cumsum(list(MERCHANT_CATEGORIES.values()))
        merchants = []
        for n in range(count):
            country = _pick_country(gen)
            if n < 30:
                mcc = BILL_CATEGORIES[n % len(BILL_CATEGORIES)]
            else:
                pick = int(np.searchsorted(cdf, gen.random() * cdf[-1], side="right"))
                mcc = categories[min(pick, len(categories) - 1)]
            name = names.merchant_name(gen, country, mcc)
            account = f"merchant:{country}-{int(gen.integers(100_000, 1_000_000))}"
            merchants.append(Merchant(Party(account, name, country, currency_of(country), ""), mcc))
        return merchants

    def _habits(self, gen: np.random.Generator) -> None:
        by_country: dict[str, list[int]] = {}
        for i, m in enumerate(self.merchants):
            by_country.setdefault(m.party.country, []).append(i)
        for account in self.accounts:
            local = by_country.get(account.party.country) or list(range(len(self.merchants)))
            account.favourites = tuple(local[i] for i in gen.integers(len(local), size=8))
            account.deposits_cash = bool(gen.random() < (0.5 if account.business else 0.3))
            if not account.business and gen.random() < 0.1:
                account.wallet = ids.wallet_address(gen)

    def _payees(self, gen: np.random.Generator) -> None:
        payers = [0] * self.size
        retail = [i for i, a in enumerate(self.accounts) if not a.business]
        businesses = [i for i, a in enumerate(self.accounts) if a.business]
        everyone = list(range(self.size))

        def internal(pool: list[int], role: str, amount: float, owner: int) -> Payee | None:
            for _ in range(8):
                j = pool[int(gen.integers(len(pool)))]
                if j != owner and payers[j] < MAX_PAYERS:
                    payers[j] += 1
                    return Payee(self.accounts[j].party, role, amount)
            return None

        def foreign(role: str, amount: float) -> Payee:
            country = FOREIGN_COUNTRIES[int(gen.integers(len(FOREIGN_COUNTRIES)))]
            return Payee(_party(gen, country, role == "supplier"), "foreign", amount)

        for i, account in enumerate(self.accounts):
            wanted: list[Payee | None] = []
            if account.business:
                for _ in range(int(gen.integers(2, 7))):
                    wanted.append(
                        internal(businesses, "supplier", float(gen.lognormal(6.8, 0.5)), i)
                    )
                for _ in range(int(gen.random() < 0.4) * int(gen.integers(1, 3))):
                    wanted.append(foreign("supplier", float(gen.lognormal(7.4, 0.5))))
            else:
                for _ in range(int(gen.integers(1, 4))):
                    wanted.append(internal(retail, "p2p", float(gen.lognormal(4.4, 0.6)), i))
                if gen.random() < 0.6:
                    rent = float(np.clip(gen.lognormal(np.log(850), 0.35), 300, 3500))
                    wanted.append(internal(everyone, "rent", rent, i))
                if gen.random() < 0.15:
                    wanted.append(foreign("p2p", float(gen.lognormal(5.5, 0.8))))
            account.payees = [p for p in wanted if p is not None]
        for i, account in enumerate(self.accounts):
            if not account.business:
                continue
            spend = float(np.mean([p.amount_eur for p in account.payees] or [900.0]))
            account.invoice_eur = INVOICE_TO_SPEND * spend
            clients = min(int(gen.integers(2, 7)), max(2, MAX_SENDERS - payers[i]))
            account.clients = [
                _party(gen, account.party.country if gen.random() < 0.7 else
                       FOREIGN_COUNTRIES[int(gen.integers(len(FOREIGN_COUNTRIES)))], True)
                for _ in range(clients)
            ]  # fmt: skip

    def _employers(self, gen: np.random.Generator) -> list[Employer]:
        employers = []
        staff: list[tuple[int, float]] = []
        quota = int(gen.integers(1, MAX_EMPLOYEES + 1))
        for i, account in enumerate(self.accounts):
            if account.business or gen.random() > 0.7:
                continue
            salary = float(np.clip(gen.lognormal(np.log(2600), 0.3), 1300, 4800))
            staff.append((i, salary))
            if len(staff) == quota:
                employers.append(self._employer(gen, account.party.country, staff))
                staff, quota = [], int(gen.integers(1, MAX_EMPLOYEES + 1))
        if staff:
            employers.append(self._employer(gen, self.accounts[staff[0][0]].party.country, staff))
        return employers

    @staticmethod
    def _employer(
        gen: np.random.Generator, country: str, staff: list[tuple[int, float]]
    ) -> Employer:
        return Employer(
            _party(gen, country, True),
            int(gen.integers(1, 29)),
            int(gen.integers(5 * 3600, 8 * 3600)),
            tuple(staff),
        )

    def draw_accounts(self, gen: np.random.Generator, count: int) -> np.ndarray:
        """Indices of `count` initiating accounts, each as likely as its activity."""
        return np.searchsorted(self.activity_cdf, gen.random(count), side="right").clip(
            0, self.size - 1
        )

    def draw_merchant(self, u: float) -> Merchant:
        """A merchant by popularity, from a uniform number in [0, 1)."""
        i = int(np.searchsorted(self.merchant_cdf, u, side="right"))
        return self.merchants[min(i, len(self.merchants) - 1)]
