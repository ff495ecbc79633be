"""Sanctions screening throughput and quality on a full list, against a naive rapidfuzz scan
measured in the same run.

- Throughput: screens per CPU second of one thread (so per core) of `SanctionsScreener`, over
  distinct generated names, first with its token cache cold, then warm (names repeat in
  traffic); the baseline is `rapidfuzz.process.extractOne` with `token_sort_ratio` over every
  normalised listed name, no blocking.
- Recall: the share of seeded alias and misspelling variants of listed names
  (bench.name_variants) whose screen reports the entry they came from, per kind of variant.
- Precision: names of loadgen's synthetic account holders, companies and merchants are not
  listed, so any match among them is a false positive (some are real namesakes of listed
  people: `José Moreno` and `MORENO, Jose`); precision is for equal numbers of listed
  variants and clean names.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from bench.name_variants import KINDS, Variant, variants
from loadgen.names import company_name, merchant_name, person_name
from models.sanctions import ListEntry, Match, SanctionsScreener, load_ofac_dir, normalize

__all__ = [
    "SanctionsBenchConfig",
    "SanctionsBenchResult",
    "clean_names",
    "format_result",
    "run_sanctions_bench",
]

# Countries whose names loadgen draws, and merchant category codes it knows.
_COUNTRIES = ("DE", "FR", "NL", "ES", "IT", "GB", "PT", "PL", "SE", "US")
_MCCS = ("5411", "5812", "5912", "5732", "7011")


@dataclass(frozen=True)
class SanctionsBenchConfig:
    ofac_dir: Path
    variants: int = 4000
    clean: int = 4000
    baseline_queries: int = 300
    threshold: float = 88.0
    seed: int = 7


@dataclass(frozen=True)
class SanctionsBenchResult:
    entries: int
    names: int
    build_s: float
    cold_per_s: float
    warm_per_s: float
    baseline_per_s: float
    recall: float
    recall_by_kind: dict[str, float]
    baseline_recall: float
    """Recall of the baseline on its subset of the variants."""
    subset_recall: float
    """Recall of the screener on that same subset."""
    false_positive_rate: float
    precision: float
    false_positives: tuple[tuple[str, str, float], ...]
    """A few (clean name, matched listed name, score)."""


def clean_names(count: int, seed: int) -> list[str]:
    """Unlisted names as loadgen draws them: two people for each company and merchant."""
    gen = np.random.default_rng(seed)
    out = []
    for i in range(count):
        country = _COUNTRIES[i % len(_COUNTRIES)]
        if i % 4 == 2:
            out.append(company_name(gen, country))
        elif i % 4 == 3:
            out.append(merchant_name(gen, country, _MCCS[i % len(_MCCS)]))
        else:
            out.append(person_name(gen, country))
    return out


def _rate(run: Callable[[], object], count: int) -> float:
    # CPU time of this thread, not wall time: per core, whatever else the machine runs.
    start = time.thread_time()
    run()
    return count / (time.thread_time() - start)


def _baseline(
    entries: Sequence[ListEntry], sample: Sequence[Variant], threshold: float
) -> tuple[float, float]:
    """Screens/s and recall of extractOne over every normalised listed name."""
    owners = [e.entry_id for e in entries for _ in (e.name, *e.aliases)]
    names = [normalize(n) for e in entries for n in (e.name, *e.aliases)]
    best: list[tuple[str, float, int] | None] = []

    def run() -> None:
        for v in sample:
            best.append(
                process.extractOne(
                    normalize(v.name), names, scorer=fuzz.token_sort_ratio, score_cutoff=threshold
                )
            )

    rate = _rate(run, len(sample))
    found = sum(1 for v, b in zip(sample, best, strict=True) if b and owners[b[2]] == v.entry_id)
    return rate, found / len(sample)


def run_sanctions_bench(
    config: SanctionsBenchConfig, progress: Callable[[str], None] = lambda _: None
) -> SanctionsBenchResult:
    """Build the screener on the list, then measure it and the baseline (module docstring)."""
    entries = load_ofac_dir(config.ofac_dir)
    start = time.perf_counter()
    screener = SanctionsScreener(entries, threshold=config.threshold)
    build_s = time.perf_counter() - start
    progress(f"{screener!r} built in {build_s:.2f} s")
    sample = variants(entries, config.variants, seed=config.seed)
    clean = clean_names(config.clean, config.seed)
    queries = [v.name for v in sample] + clean
    results: list[list[Match]] = []
    cold = _rate(lambda: results.extend(screener.screen(q) for q in queries), len(queries))
    warm = max(_rate(lambda: [screener.screen(q) for q in queries], len(queries)) for _ in "ab")
    progress(f"screener: {cold:,.0f}/s cold, {warm:,.0f}/s warm")

    hits = [any(m.entry_id == v.entry_id for m in r) for v, r in zip(sample, results, strict=False)]
    by_kind: Counter[str] = Counter()
    for v, hit in zip(sample, hits, strict=True):
        by_kind[v.kind] += hit
    of_kind = Counter(v.kind for v in sample)
    flagged = [(n, r[0]) for n, r in zip(clean, results[len(sample) :], strict=True) if r]
    found = sum(hits)

    subset = sample[: config.baseline_queries]
    baseline_rate, baseline_recall = _baseline(entries, subset, config.threshold)
    progress(f"baseline: {baseline_rate:,.0f}/s")
    return SanctionsBenchResult(
        entries=len(entries),
        names=len(screener),
        build_s=build_s,
        cold_per_s=cold,
        warm_per_s=warm,
        baseline_per_s=baseline_rate,
        recall=found / len(sample),
        recall_by_kind={k: by_kind[k] / of_kind[k] for k in KINDS if of_kind[k]},
        baseline_recall=baseline_recall,
        subset_recall=sum(hits[: len(subset)]) / len(subset),
        false_positive_rate=len(flagged) / len(clean),
        precision=found / (found + len(flagged)) if found + len(flagged) else 1.0,
        false_positives=tuple({n: (n, m.matched_name, m.score) for n, m in flagged}.values())[:5],
    )


def format_result(result: SanctionsBenchResult, config: SanctionsBenchConfig) -> str:
    """The figures as a short report, ratios to the baseline measured in the same run."""
    r = result
    kinds = ", ".join(f"{k} {v:.3f}" for k, v in r.recall_by_kind.items())
    lines = [
        f"list: {config.ofac_dir} ({r.entries:,} entries, {r.names:,} indexed names, "
        f"index built in {r.build_s:.2f} s), threshold {config.threshold:g}",
        f"screens/s per core, cold token cache  {r.cold_per_s:>10,.0f}  "
        f"({r.cold_per_s / r.baseline_per_s:,.0f}x baseline)",
        f"screens/s per core, warm token cache  {r.warm_per_s:>10,.0f}  "
        f"({r.warm_per_s / r.baseline_per_s:,.0f}x baseline)",
        f"baseline (extractOne, token_sort_ratio, no blocking)  {r.baseline_per_s:,.0f}/s",
        f"recall on {config.variants:,} variants  {r.recall:.3f}  ({kinds})",
        f"recall on the baseline's {config.baseline_queries} variants: screener "
        f"{r.subset_recall:.3f}, baseline {r.baseline_recall:.3f}",
        f"false positives on {config.clean:,} unlisted loadgen names  "
        f"{r.false_positive_rate:.4f}; precision at 1:1 listed:unlisted  {r.precision:.3f}",
        *(f"  e.g. {n!r} ~ {m!r} ({s:.0f})" for n, m, s in r.false_positives),
    ]
    return "\n".join(lines)
