"""The `sanctions_match` AML rule on both legs, its place in `AmlRules`, the worker's settings
and the `qrstream bench sanctions` command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from models.aml import AmlConfig, AmlFeatures, AmlRules, AmlRulesConfig, RiskScorer
from models.aml.sanctions import SanctionsMatch
from models.rules import to_alert_reasons
from models.sanctions import SanctionsConfig, SanctionsScreener, load_ofac_dir, load_screener
from streams.app import _aml_config
from streams.cli import cli
from streams.settings import Settings
from topics.messages.transaction import Transaction


@pytest.fixture(scope="module")
def tiny_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "sanctions" / "ofac-sdn-tiny"


@pytest.fixture(scope="module")
def config(tiny_dir: Path) -> AmlRulesConfig:
    return AmlRulesConfig(sanctions=SanctionsConfig(ofac_dirs=(tiny_dir,)))


def _txn(sender_name: str | None, receiver_name: str | None) -> Transaction:
    return Transaction(
        event_id="3f1c2a4e-8b7d-4c1e-9a2f-6d5e4b3c2a10",
        ts_us=1_767_225_600_000_000,
        sender_account="DE89370400440532013000",
        receiver_account="GB29NWBK60161331926819",
        sender_name=sender_name,
        receiver_name=receiver_name,
        amount="250.00",
        currency="EUR",
        channel="wire",
        sender_country="DE",
        receiver_country="GB",
    )


def _legs(rules: AmlRules, txn: Transaction) -> tuple[list[str], list[str]]:
    """The typologies that fire on the outgoing and on the incoming leg."""
    aml = AmlFeatures()
    out, into = aml.outgoing(txn), aml.incoming(txn)
    x_out = aml.new_state().observe_outgoing(out)
    x_in = aml.new_state().observe_incoming(into)
    return (
        [h.typology for h in rules.evaluate(x_out, out)],
        [h.typology for h in rules.evaluate(x_in, into)],
    )


def test_fires_on_the_leg_of_the_matching_holder(config: AmlRulesConfig) -> None:
    rules = AmlRules(config)
    assert rules.rules[-1].rule_id == "sanctions_match"
    assert _legs(rules, _txn("Dmitrii Yurievich Khoroshev", "Anna Schmidt")) == (
        ["sanctions_match"],
        [],
    )
    assert _legs(rules, _txn("Anna Schmidt", "Iris Makran")) == ([], ["sanctions_match"])
    assert _legs(rules, _txn(None, None)) == ([], [])
    assert _legs(rules, _txn("Anna Schmidt", "Atlas Logistics GmbH")) == ([], [])


def test_reasons_name_list_entry_matched_name_and_score(config: AmlRulesConfig) -> None:
    aml = AmlFeatures()
    view = aml.incoming(_txn("Anna Schmidt", "HESA Trade Centre"))
    hit = AmlRules(config).evaluate(aml.new_state().observe_incoming(view), view)[0]
    assert (hit.rule, hit.typology) == ("sanctions_match", "sanctions_match")
    (reason,) = to_alert_reasons(hit)
    assert reason.name == "sanctions_match"
    assert reason.threshold == 88.0
    assert isinstance(reason.value, float) and reason.value >= 88.0
    assert reason.text.startswith(
        "receiver name 'HESA Trade Centre' matches OFAC SDN entry 11195 'HESA TRADE CENTER' "
        "(alias of 'IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY'), similarity "
    )
    assert reason.text.endswith("≥ 88, programs NPWMD, IFSR, IRAN-CON-ARMS-EO")
    # A match alerts on its own, at high severity or above.
    verdict = RiskScorer().assess([hit])
    assert verdict.alert and verdict.typology == "sanctions_match"
    assert verdict.severity in ("high", "critical")


def test_score_grows_with_similarity(tiny_dir: Path) -> None:
    screener = SanctionsScreener(load_ofac_dir(tiny_dir))
    rule = SanctionsMatch(screener=screener)
    aml = AmlFeatures()

    def score(name: str) -> float:
        view = aml.outgoing(_txn(name, None))
        hit = rule.evaluate(aml.new_state().observe_outgoing(view), view)
        assert hit is not None
        return hit.score

    assert score("IRIS MAKRAN") == 1.0
    assert 0.85 <= score("IRIS MAKRANE") < 1.0


def test_off_without_a_list() -> None:
    assert [r.rule_id for r in AmlRules().rules].count("sanctions_match") == 0
    with pytest.raises(ValueError, match=r"config\.sanctions or a screener"):
        SanctionsMatch()


def test_screener_is_loaded_once_per_configuration(config: AmlRulesConfig) -> None:
    assert config.sanctions is not None
    first = AmlRules(config).rules[-1]
    second = AmlRules(AmlRulesConfig(sanctions=config.sanctions)).rules[-1]
    assert isinstance(first, SanctionsMatch) and isinstance(second, SanctionsMatch)
    assert first.screener is second.screener is load_screener(config.sanctions)


def test_worker_settings(shared_dir: Path, tiny_dir: Path) -> None:
    assert _aml_config(Settings()) == AmlConfig()
    un = shared_dir / "data" / "sanctions" / "un-consolidated" / "UN_consolidated.xml"
    settings = Settings(sanctions_ofac_dir=tiny_dir, sanctions_un_xml=un, sanctions_threshold=92)
    sanctions = _aml_config(settings).rules.sanctions
    assert sanctions == SanctionsConfig(ofac_dirs=(tiny_dir,), un_xml=(un,), threshold=92.0)
    with pytest.raises(ValueError, match="does not point to a directory"):
        Settings(sanctions_ofac_dir=tiny_dir / "missing")


def test_bench_command(tiny_dir: Path) -> None:
    args = f"bench sanctions --ofac-dir {tiny_dir} --variants 16 --clean 16 --baseline-queries 4"
    result = CliRunner().invoke(cli, args.split())
    assert result.exit_code == 0, result.output
    assert "screens/s per core, cold token cache" in result.output
    assert "recall on 16 variants" in result.output
    assert "false positives on 16 unlisted loadgen names" in result.output


def test_bench_command_needs_an_sdn_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["bench", "sanctions", "--ofac-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert f"no sdn.csv in {tmp_path}" in result.output
