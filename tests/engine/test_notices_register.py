"""The notice register: scoped to the ILO's agency (IPCU: everything), searched by name, alias, reference,
INTERPOL number, type, status, agency and dates; the CSV export is logged."""

import copy
import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from notice_cases import drafted, published, sent
from samples import VALID_RED, VALID_YELLOW
from sqlalchemy import inspect, select

from engine.db import Base
from engine.errors import Forbidden, Invalid
from engine.models import AuditEntry
from engine.services.notices import export_register, register_page

pytestmark = pytest.mark.integration


@pytest.fixture
def register(platform, deployed):
    """A published RED notice (Delhi), a YELLOW request at vetting (Delhi), a RED request sent (Punjab)."""
    red = published(platform, deployed)
    yellow = drafted(platform, deployed, "YELLOW")
    punjab = copy.deepcopy(VALID_RED)
    punjab["subject"].update(family_name="Gill", forename="Harpreet", aliases=["Happy"])
    punjab["case"]["fir_number"] = "FIR 12/2025 Ludhiana"
    with time_machine.travel(datetime(2025, 1, 15, 10, tzinfo=UTC), tick=True):
        gill = drafted(platform, deployed, data=punjab, uo="uo.punjab.ludhiana")
    return {"red": red.reference, "yellow": yellow.reference, "gill": gill.reference}


def _refs(platform, users, username="ipcu.officer", **filters):
    return [r["reference"] for r in register_page(platform, actor_id=users[username], filters=filters)["rows"]]


def test_ipcu_sees_every_notice_request_newest_first(platform, deployed, register):
    assert _refs(platform, deployed) == [register["gill"], register["yellow"], register["red"]]


def test_ilo_sees_only_its_agency(platform, deployed, register):
    assert (_refs(platform, deployed, "ilo.delhi"), _refs(platform, deployed, "ilo.punjab")) == (
        [register["yellow"], register["red"]], [register["gill"]])


def test_unit_officers_have_no_register(platform, deployed, register):
    with pytest.raises(Forbidden):
        register_page(platform, actor_id=deployed["uo.delhi.crime"])


@pytest.mark.parametrize(("filters", "expected"), [
    ({"q": "sharma"}, ["red"]), ({"q": "Ravi S."}, ["red"]), ({"q": "happy"}, ["gill"]),
    ({"q": "verma anjali"}, ["yellow"]), ({"q": "100%"}, []),
    ({"interpol_number": "a-1234"}, ["red"]), ({"notice_type": "YELLOW"}, ["yellow"]),
    ({"status": "published"}, ["red"]), ({"status": "vetting"}, ["gill", "yellow"]), ({"agency": "PUNJAB"}, ["gill"]),
    ({"requested_to": "2025-01-15"}, ["gill"]), ({"requested_from": "2025-01-16"}, ["yellow", "red"]),
    ({"published_from": "2026-05-04", "published_to": "2026-05-04"}, ["red"]), ({"published_to": "2026-05-03"}, []),
])
def test_register_search(platform, deployed, register, filters, expected):
    assert _refs(platform, deployed, **filters) == [register[k] for k in expected]


def test_search_by_reference(platform, deployed, register):
    assert _refs(platform, deployed, reference=register["yellow"][-6:]) == [register["yellow"]]


def test_register_row_and_bad_date(platform, deployed, register):
    page = register_page(platform, actor_id=deployed["ilo.delhi"], filters={"q": "sharma", "ignored": "x"})
    row = page["rows"][0]
    assert {k: row[k] for k in ("subject", "aliases", "notice_type", "status", "agency", "unit", "interpol_number",
                                "published_on", "review_due")} == {
        "subject": "SHARMA, Ravi", "aliases": ["Ravi S."], "notice_type": "RED", "status": "published",
        "agency": "DELHI", "unit": "DELHI-CRIME", "interpol_number": "A-1234/5-2026", "published_on": "2026-05-04",
        "review_due": "2031-05-04"}
    assert (page["filters"], page["agencies"], page["total"]) == ({"q": "sharma"}, ["DELHI"], 1)
    with pytest.raises(Invalid) as err:
        register_page(platform, actor_id=deployed["ipcu.officer"], filters={"published_from": "May"})
    assert err.value.errors == {"published_from": "must be a date YYYY-MM-DD"}


def test_csv_export_is_scoped_and_logged(platform, deployed, register):
    text = export_register(platform, actor_id=deployed["ilo.delhi"], filters={"notice_type": "RED"})
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["reference", "notice_type", "subject", "aliases", "status", "agency", "unit",
                       "interpol_number", "requested_on", "published_on", "review_due"]
    assert [r[:8] + r[9:] for r in rows[1:]] == [[register["red"], "RED", "SHARMA, Ravi", "Ravi S.", "published",
                                                  "DELHI", "DELHI-CRIME", "A-1234/5-2026", "2026-05-04",
                                                  "2031-05-04"]]
    with platform.uow() as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "notice.export")).one()
        assert (entry.actor, entry.detail) == ("ilo.delhi", {"filters": {"notice_type": "RED"}, "rows": 1})


def test_csv_cells_cannot_start_a_formula(platform, deployed):
    request = copy.deepcopy(VALID_YELLOW)
    request["subject"]["aliases"] = ["=HYPERLINK(\"http://x\")"]
    drafted(platform, deployed, "YELLOW", data=request)
    text = export_register(platform, actor_id=deployed["ipcu.officer"])
    assert list(csv.reader(io.StringIO(text)))[1][3] == "'=HYPERLINK(\"http://x\")"


def test_sent_request_has_its_status(platform, deployed):
    sent(platform, deployed)
    assert [r["status"] for r in register_page(platform, actor_id=deployed["ipcu.officer"])["rows"]] == ["sent"]


REGISTER_COLUMNS = ("subject_key", "subject_names", "interpol_number", "notice_status", "published_on",
                    "review_due")


def test_register_columns_match_the_migration(platform):
    with platform.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [entry for entry in diff if any(column in str(entry) for column in REGISTER_COLUMNS)] == []
    with platform.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("case_file")}
        indexes = {i["name"] for i in inspect(connection).get_indexes("case_file")}
    assert (sorted(columns & set(REGISTER_COLUMNS)), sorted(i for i in indexes if i.endswith(REGISTER_COLUMNS))) == (
        sorted(REGISTER_COLUMNS), ["ix_case_file_interpol_number", "ix_case_file_notice_status",
                                   "ix_case_file_review_due", "ix_case_file_subject_key"])
