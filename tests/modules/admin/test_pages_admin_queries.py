"""The admin's lists cost the same number of statements whatever the number of rows shown."""

from __future__ import annotations

import pytest

from tests.support import count_statements


@pytest.mark.parametrize(
    "url",
    ["/admin/users?per_page={n}", "/admin/departments?per_page={n}", "/admin/jurisdictions?per_page={n}"],
)
def test_a_list_costs_the_same_for_10_or_100_rows(page_as, url):
    admin = page_as("admin")
    admin.text(url.format(n=10))  # warm up (the session's first page loads the user once)
    few = count_statements(lambda: admin.text(url.format(n=10)))
    many = count_statements(lambda: admin.text(url.format(n=100)))
    assert len(many) == len(few), (len(few), len(many))
    assert len(few) <= 8


def test_the_overview_costs_a_fixed_number_of_statements(page_as):
    admin = page_as("admin")
    admin.text("/admin/")
    assert len(count_statements(lambda: admin.text("/admin/"))) <= 10
