"""The statistics API: permissions, filters (422), JSON shape, CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from gatekeeper.core import clock
from gatekeeper.core.money import yuan
from gatekeeper.modules.stats import money
from gatekeeper.modules.stats.schemas import TABLE_NAMES
from tests.factories import TODAY

API = "/api/v1/stats"


@pytest.mark.parametrize("username", ["secretariat", "member2", "chair", "admin", "street"])
def test_readers_get_every_statistic(login_as, username):
    answer = login_as(username).get(API)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert set(body) >= {"requests", "rates", "decision_time", "overdue", "money", "reduction", "reports"}
    assert isinstance(body["money"]["totals"]["allocated_fen"], int)
    assert "allocated_yuan" in body["money"]["totals"]
    if username == "street":
        assert body["filters"]["street"] == "LJ01"
    if username == "secretariat":
        assert body["filters"]["gate"] == "LJ"


@pytest.mark.parametrize(("username", "code"), [("officer", "not_for_departments"), ("head", "forbidden")])
def test_officers_and_heads_are_refused(login_as, username, code):
    answer = login_as(username).get(API)
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == code


def test_filters_outside_ones_part_are_refused_and_bad_ones_are_422(login_as):
    secretariat = login_as("secretariat")
    assert secretariat.get(f"{API}?gate=ZZ").get_json()["error"]["code"] == "not_your_gate"
    assert login_as("street").get(f"{API}?street=LJ02").status_code == 403
    for query, field in (("year=1999", "year"), ("year=x", "year"), ("street=NOPE", "street")):
        answer = secretariat.get(f"{API}?{query}")
        assert answer.status_code == 422, query
        assert field in answer.get_json()["error"]["fields"]
    assert login_as("admin").get(f"{API}?gate=NOPE").get_json()["error"]["fields"].keys() == {"gate"}


def test_csv_of_each_table_parses_back(login_as):
    client = login_as("secretariat")
    for name in TABLE_NAMES:
        answer = client.get(f"{API}/export.csv?table={name}&year=2026")
        assert answer.status_code == 200, name
        assert answer.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
        assert rows and rows[0], name
    state_rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"{API}/export.csv?table=requests_by_state").get_data().decode("utf-8-sig")
            )
        )
    )
    assert len(state_rows) == 1 + 8
    assert client.get(f"{API}/export.csv?table=nope").status_code == 422


def test_xlsx_has_one_sheet_per_table(login_as):
    answer = login_as("admin").get(f"{API}/export.xlsx")
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.get_data()), read_only=True)
    assert book.sheetnames == list(TABLE_NAMES)
    rows = list(book["requests_by_state"].iter_rows(values_only=True))
    assert len(rows) == 2 + 8 and isinstance(rows[2][1], int)


def test_late_money_names_the_most_overdue_and_the_csv_lists_every_one(login_as, late_money, monkeypatch):
    monkeypatch.setattr(money, "LATE_NAMED", 2)
    client = login_as("secretariat")
    late = client.get(API).get_json()["money"]["late"]
    assert late["total"] == len(late_money)
    assert late["total_fen"] == sum(a.amount_fen for a in late_money)
    assert [item["community"] for item in late["items"]] == [a.community.code for a in late_money[:2]]
    answer = client.get(f"{API}/export.csv?table=late_money")
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert len(rows) == 1 + len(late_money)
    assert rows[0][3] in ("尚欠金额（元）", "Amount lacking (yuan)")
    assert [row[3] for row in rows[1:]] == [yuan(a.amount_fen) for a in late_money]


def test_xlsx_cells_are_numbers_money_percentages_and_dates(login_as, late_money, monkeypatch):
    monkeypatch.setattr(money, "LATE_NAMED", 1)
    client = login_as("secretariat")
    with clock.frozen(TODAY):
        stats = client.get(API).get_json()
        book = openpyxl.load_workbook(io.BytesIO(client.get(f"{API}/export.xlsx").get_data()))

    late = book["late_money"]
    assert late.max_row == 2 + len(late_money)  # title, headers, every late allocation
    assert late.cell(2, 4).value in ("尚欠金额（元）", "Amount lacking (yuan)")
    amount, due, days = late.cell(3, 4), late.cell(3, 5), late.cell(3, 6)
    assert amount.data_type == "n" and amount.number_format == "#,##0.00"
    assert Decimal(str(amount.value)) == Decimal(late_money[0].amount_fen) / 100
    assert due.is_date and due.number_format == "yyyy-mm-dd"
    assert due.value.date() == late_money[0].due_date
    assert days.data_type == "n" and days.value == (TODAY - late_money[0].due_date).days

    by_year = book["money_by_department_year"]
    year, committed = by_year.cell(3, 2), by_year.cell(3, 3)
    assert isinstance(year.value, int) and year.number_format == "General"
    assert committed.data_type == "n" and committed.number_format == "#,##0.00"
    assert (
        Decimal(str(committed.value))
        == Decimal(stats["money"]["by_department_year"][0]["allocated_fen"]) / 100
    )

    rates = book["rates"]
    approval = rates.cell(3, 4)
    assert approval.data_type == "n" and approval.number_format == "0.0%"
    assert Decimal(str(approval.value)) == Decimal(stats["rates"]["approval"]["percent"]) / 100
