"""Injected patterns, one builder per typology: every AML typology of models/aml/rules.py,
every quantum-threat rule of models/quantum, and the integrity bursts of the verifier."""

from __future__ import annotations

from collections.abc import Callable

from loadgen.draft import Draft
from loadgen.scenarios.aml import AML_BUILDERS
from loadgen.scenarios.base import Context
from loadgen.scenarios.integrity import INTEGRITY_BUILDERS, rogue_kid
from loadgen.scenarios.quantum import QUANTUM_BUILDERS

__all__ = ["BUILDERS", "TYPOLOGIES", "Context", "rogue_kid"]

BUILDERS: dict[str, Callable[[Context], list[Draft]]] = {
    **AML_BUILDERS,
    **QUANTUM_BUILDERS,
    **INTEGRITY_BUILDERS,
}
TYPOLOGIES = tuple(BUILDERS)
