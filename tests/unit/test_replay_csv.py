"""`qrstream replay`: CSV files in the layouts of SAML-D, IBM AMLworld and PaySim (small
fixtures written here; no external data) mapped to valid transactions, with their labels,
gzip, pacing on a fake clock, and one-line errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from streams.cli import cli
from streams.ingest.csv_map import ColumnMap, CsvMapError, Defaults, RowError, event_id
from streams.ingest.csv_replay import CsvReplay, Pacer, load_account_labels
from topics.messages.transaction import Transaction

SAML_D = """\
Time,Date,Sender_account,Receiver_account,Amount,Payment_currency,Received_currency,\
Sender_bank_location,Receiver_bank_location,Payment_type,Is_laundering,Laundering_type
10:35:19,2022-10-07,8724731955,2769355426,1459.15,UK pounds,UK pounds,UK,UK,Cash Deposit,0,\
Normal_Cash_Deposits
10:35:20,2022-10-07,1491989064,8401255335,6019.64,UK pounds,Dirham,UK,UAE,Cross-border,1,\
Layered_Fan_Out
10:35:20,2022-10-07,287305149,4404767002,14328.44,Yen,Yen,Japan,Japan,Cheque,0,Normal_Group
"""

IBM_AML = """\
Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,\
Payment Currency,Payment Format,Is Laundering
2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0
2022/09/01 00:20,3208,8000F4580,001,8000F5340,0.01,US Dollar,0.01,US Dollar,Cheque,0
2022/09/01 00:21,0134,80B779D80,0024,80B74C3F0,1200000,Euro,1200000,Euro,Wire,1
"""

PAYSIM = """\
step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,\
newbalanceDest,isFraud,isFlaggedFraud
1,PAYMENT,9839.64,C1231006815,170136.0,160296.36,M1979787155,0.0,0.0,0,0
1,TRANSFER,181.0,C1305486145,181.0,0.0,C553264065,0.0,0.0,1,0
3,CASH_OUT,181.00,C840083671,181.0,0.0,C38997010,21182.0,0.0,1,0
"""


def write(tmp_path: Path, name: str, text: str, *, gz: bool = False) -> Path:
    path = tmp_path / name
    data = text.encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def replay(path: Path, columns: ColumnMap) -> list[Transaction]:
    return [m.transaction for m in CsvReplay(path, columns).events()]


def test_saml_d_rows_map_to_transactions_with_iso_codes(tmp_path: Path) -> None:
    path = write(tmp_path, "saml.csv", SAML_D)
    run = CsvReplay(path, ColumnMap.build("saml-d", {}, Defaults()))
    rows = list(run.events())
    first, second, third = (m.transaction for m in rows)
    assert first.ts_us == 1_665_138_919_000_000  # 2022-10-07 10:35:19 UTC
    assert (first.sender_account, first.receiver_account) == ("8724731955", "2769355426")
    assert (first.amount, first.currency, first.channel) == ("1459.15", "GBP", "cash")
    assert (second.sender_country, second.receiver_country, second.channel) == ("GB", "AE", "wire")
    assert (third.currency, third.sender_country, third.channel) == ("JPY", "JP", "ach")
    assert [(m.label, m.typology) for m in rows] == [
        (0, "Normal_Cash_Deposits"),
        (1, "Layered_Fan_Out"),
        (0, "Normal_Group"),
    ]
    assert first.event_id == event_id("saml.csv", 1)
    assert (run.stats.rows, run.stats.events, run.stats.positives) == (3, 3, 1)


def test_ibm_aml_joins_bank_and_account_and_reads_the_repeated_column(tmp_path: Path) -> None:
    path = write(tmp_path, "HI-Small_Trans.csv", IBM_AML)
    columns = ColumnMap.build("ibm-aml", {}, Defaults(country="ZZ"))
    txs = replay(path, columns)
    assert (txs[1].sender_account, txs[1].receiver_account) == ("3208-8000F4580", "001-8000F5340")
    assert txs[0].ts_us == 1_661_991_600_000_000  # 2022-09-01 00:20 UTC
    assert [t.channel for t in txs] == ["wire", "ach", "wire"]
    assert (txs[2].amount, txs[2].currency, txs[2].sender_country) == ("1200000", "EUR", "ZZ")


def test_paysim_steps_are_hours_from_the_start(tmp_path: Path) -> None:
    path = write(tmp_path, "paysim.csv", PAYSIM)
    start = 1_767_225_600_000_000
    columns = ColumnMap.build("paysim", {}, Defaults(currency="USD", country="ZZ", start_us=start))
    txs = replay(path, columns)
    assert [t.ts_us for t in txs] == [
        start + 3_600_000_000,
        start + 3_600_000_000,
        start + 3 * 3_600_000_000,
    ]
    assert [t.channel for t in txs] == ["card", "wire", "cash"]
    assert [t.amount for t in txs] == ["9839.64", "181", "181"]


def test_a_step_length_and_a_map_override(tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", PAYSIM)
    columns = ColumnMap.build(
        "paysim",
        {"receiver_account": "nameOrig"},
        Defaults(currency="KES", country="KE", step_s=60.0),
    )
    txs = replay(path, columns)
    assert [t.ts_us for t in txs] == [60_000_000, 60_000_000, 180_000_000]
    assert txs[0].receiver_account == txs[0].sender_account == "C1231006815"


def test_gzip_is_recognised_by_content(tmp_path: Path) -> None:
    plain = replay(write(tmp_path, "a.csv", SAML_D), ColumnMap.build("saml-d", {}, Defaults()))
    packed = replay(
        write(tmp_path, "b.bin", SAML_D, gz=True), ColumnMap.build("saml-d", {}, Defaults())
    )
    assert [t.model_dump(exclude={"event_id"}) for t in plain] == [
        t.model_dump(exclude={"event_id"}) for t in packed
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"colour": "x"}, "unknown field 'colour'"),
        ({"amount": ""}, "no column for amount"),
    ],
)
def test_a_map_that_cannot_work_is_refused(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(CsvMapError, match=message):
        ColumnMap.build("saml-d", overrides, Defaults())


def test_datasets_without_currency_or_country_need_a_default() -> None:
    with pytest.raises(CsvMapError, match=r"currency \(or --currency\), sender_country"):
        ColumnMap.build("paysim", {}, Defaults())


def test_unknown_values_are_row_errors() -> None:
    columns = ColumnMap.build("saml-d", {}, Defaults())
    row = dict(
        zip(
            SAML_D.splitlines()[0].split(","),
            "10:35:19,2022-10-07,1,2,5.00,UK pounds,UK pounds,Narnia,UK,ACH,0,x".split(","),
            strict=True,
        )
    )
    with pytest.raises(RowError, match="unknown location 'Narnia'"):
        columns.map(row, event_id("f", 1))
    with pytest.raises(RowError, match="not a non-negative number"):
        columns.map({**row, "Sender_bank_location": "UK", "Amount": "-5"}, event_id("f", 1))


def test_invalid_rows_are_counted_and_skipped(tmp_path: Path) -> None:
    bad = SAML_D.replace("Cross-border", "Carrier pigeon") + "10:00:00,2022-10-08,1\n"
    run = CsvReplay(write(tmp_path, "s.csv", bad), ColumnMap.build("saml-d", {}, Defaults()))
    assert len(list(run.events())) == 2
    assert run.stats.invalid == 2
    assert run.stats.invalid_example == "row 2: RowError: unknown payment type 'Carrier pigeon'"


def test_account_labels_mark_every_transaction_of_a_sender(tmp_path: Path) -> None:
    accounts = write(tmp_path, "accounts.csv", "account,label,typology\nC840083671,1,mule\n")
    data = write(tmp_path, "p.csv", PAYSIM)
    columns = ColumnMap.build("paysim", {"label": ""}, Defaults(currency="USD", country="ZZ"))
    run = CsvReplay(data, columns, account_labels=load_account_labels(accounts))
    assert [(m.label, m.typology) for m in run.events()] == [(0, None), (0, None), (1, "mule")]


def test_pacing_follows_the_data_clock() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(speed=10.0, clock=lambda: now[0], sleep=sleep)
    for ts_s in (0, 5, 5, 3, 30):  # the 3 is out of order: it goes at once
        pacer.wait(ts_s * 1_000_000)
        now[0] += 0.1  # producing takes time too
    assert slept == pytest.approx([0.4, 2.2])


def test_dry_run_writes_valid_transactions_and_the_labels(tmp_path: Path) -> None:
    path = write(tmp_path, "saml.csv.gz", SAML_D, gz=True)
    labels = tmp_path / "truth.jsonl"
    result = CliRunner().invoke(
        cli,
        ["replay", str(path), "--preset", "saml-d", "--dry-run", "--labels-out", str(labels)],
        env={"QR_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.exit_code == 0, result.output
    txs = [Transaction.model_validate_json(line) for line in result.stdout.splitlines()]
    assert len(txs) == 3
    truth = [orjson.loads(line) for line in labels.read_bytes().splitlines()]
    assert truth[1] == {
        "event_id": txs[1].event_id,
        "account": "1491989064",
        "label": 1,
        "typology": "Layered_Fan_Out",
    }
    assert "3 rows, 3 events (1 of 3 labelled positive), 0 invalid" in result.stderr
    again = CliRunner().invoke(
        cli,
        ["ingest", "replay", str(path), "--preset", "saml-d", "--dry-run"],
        env={"QR_VAR_DIR": str(tmp_path / "var")},
    )
    assert again.stdout == result.stdout  # deterministic ids: a re-run names the same events


def test_a_missing_column_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", SAML_D.replace("Payment_type", "Kind", 1))
    result = CliRunner().invoke(
        cli,
        ["replay", str(path), "--preset", "saml-d", "--dry-run"],
        env={"QR_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {path}: no column 'Payment_type' (the header has: Time, Date, Sender_account, "
        "Receiver_account, Amount, Payment_currency, Received_currency, Sender_bank_location, "
        "Receiver_bank_location, Kind, Is_laundering, Laundering_type)"
    ]
    assert not (tmp_path / "var").exists()  # no labels file truncated or left empty


def test_publishing_needs_a_key_id(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", SAML_D)
    result = CliRunner().invoke(
        cli, ["replay", str(path), "--preset", "saml-d"], env={"QR_VAR_DIR": str(tmp_path / "v")}
    )
    assert result.exit_code == 2
    assert "--key-id is required unless --dry-run" in result.stderr
