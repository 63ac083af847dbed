"""Resources through the services: IPCU publishes documents and links, new versions, search over titles,
descriptions, tags and PDF text, downloads audited; the training register and its coverage figures."""

import hashlib
from datetime import date

import pytest
from library_samples import ELF, TEXT, make_docx, make_pdf
from sqlalchemy import select

from engine import resources_queries as read
from engine.errors import Forbidden, Invalid, NotFound
from engine.models import AuditEntry, TrainingSession
from engine.services import connect, resources, training

pytestmark = pytest.mark.integration

HANDBOOK = make_pdf("Red Notice handbook", "Article 82 of the Rules on the Processing of Data")


def publish_handbook(platform, ids, **extra):
    fields = {"title": "Notices handbook", "description": "How to draft a request for a notice.",
              "category": "notices", "tags": "Red notice, RPD", "filename": "handbook.pdf", "content": HANDBOOK}
    return resources.publish(platform, actor_id=ids["ipcu.officer"], **{**fields, **extra})


def titles(platform, ids, username="uo.delhi.crime", **filters) -> list[str]:
    return [r["title"] for r in read.library_page(platform, actor_id=ids[username], **filters)["resources"]]


def audit_trail(platform, prefix: str) -> list[tuple]:
    with platform.uow() as uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.action.like(f"{prefix}%"))
                                   .order_by(AuditEntry.seq))
        return [(e.actor, e.action, e.object_id, e.detail) for e in rows]


# --- library --------------------------------------------------------------------------------------------

def test_ipcu_publishes_a_pdf_that_every_officer_finds(platform, directory):
    resource = publish_handbook(platform, directory)
    page = read.resource_page(platform, actor_id=directory["uo.assam.guwahati"], resource_id=resource.id)
    assert (page["title"], page["kind"], page["category_name"], page["tags"], page["current_version"]) == (
        "Notices handbook", "file", "Notices and diffusions", ["red notice", "rpd"], 1)
    assert [(v["version"], v["filename"], v["content_type"], v["size"], v["has_text"]) for v in page["versions"]] == [
        (1, "handbook.pdf", "application/pdf", len(HANDBOOK), True)]
    digest = hashlib.sha256(HANDBOOK).hexdigest()
    assert (platform.settings.data_dir / "resources" / digest).read_bytes() == HANDBOOK
    assert audit_trail(platform, "resource.") == [("ipcu.officer", "resource.upload", str(resource.id), {
        "version": 1, "title": "Notices handbook", "note": None, "filename": "handbook.pdf", "sha256": digest})]


@pytest.mark.parametrize("username", ["ilo.delhi", "uo.delhi.crime"])
def test_only_ipcu_publishes(platform, directory, username):
    with pytest.raises(Forbidden):
        publish_handbook(platform, {"ipcu.officer": directory[username]})


@pytest.mark.parametrize(("query", "found"), [
    ("handbook", ["Notices handbook"]),              # title
    ("DRAFT a REQUEST", ["Notices handbook"]),       # description, any case, every word
    ("rpd", ["Notices handbook"]),                   # tag
    ("article 82", ["Notices handbook"]),            # text inside the PDF
    ("processing of data", ["Notices handbook"]),
    ("e-learning", ["Diffusions e-learning"]),
    ("handbook extradition", []),
    ("100%", []),                                    # LIKE wildcards are searched for literally
    ("", ["Diffusions e-learning", "Notices handbook"]),
])
def test_search_matches_titles_descriptions_tags_and_pdf_text(platform, directory, query, found):
    publish_handbook(platform, directory)
    resources.publish(platform, actor_id=directory["ipcu.admin"], title="Diffusions e-learning", category="training",
                      description="Video course on INTERPOL e-learning", url="https://example.org/course")
    assert titles(platform, directory, q=query) == found


def test_filters_by_category_and_tag(platform, directory):
    publish_handbook(platform, directory)
    resources.publish(platform, actor_id=directory["ipcu.admin"], title="Course", category="training",
                      tags="video", url="https://example.org/course")
    assert (titles(platform, directory, category="training"), titles(platform, directory, tag="rpd")) == (
        ["Course"], ["Notices handbook"])


def test_new_version_becomes_current_and_is_searched(platform, directory):
    resource = publish_handbook(platform, directory)
    resources.add_version(platform, actor_id=directory["ipcu.admin"], resource_id=resource.id,
                          filename="handbook-2025.pdf", content=make_pdf("Silver Notice pilot"), note="2025 edition")
    page = read.resource_page(platform, actor_id=directory["ipcu.admin"], resource_id=resource.id)
    assert [(v["version"], v["filename"], v["note"]) for v in page["versions"]] == [
        (2, "handbook-2025.pdf", "2025 edition"), (1, "handbook.pdf", None)]
    assert (titles(platform, directory, q="silver"), titles(platform, directory, q="article 82")) == (
        ["Notices handbook"], [])


def test_older_versions_stay_downloadable(platform, directory):
    resource = publish_handbook(platform, directory)
    resources.add_version(platform, actor_id=directory["ipcu.admin"], resource_id=resource.id, filename="v2.docx",
                          content=make_docx())
    old = resources.open_version(platform, actor_id=directory["uo.delhi.crime"], resource_id=resource.id, version=1)
    new = resources.open_version(platform, actor_id=directory["uo.delhi.crime"], resource_id=resource.id)
    assert (old["path"].read_bytes(), old["filename"], new["filename"], new["content_type"]) == (
        HANDBOOK, "handbook.pdf", "v2.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


def test_download_is_logged(platform, directory):
    resource = publish_handbook(platform, directory)
    resources.open_version(platform, actor_id=directory["uo.punjab.ludhiana"], resource_id=resource.id)
    assert audit_trail(platform, "resource.download") == [
        ("uo.punjab.ludhiana", "resource.download", str(resource.id),
         {"version": 1, "filename": "handbook.pdf", "sha256": hashlib.sha256(HANDBOOK).hexdigest()})]
    assert read.resource_page(platform, actor_id=directory["ipcu.admin"], resource_id=resource.id)["downloads"] == 1
    assert read.resource_page(platform, actor_id=directory["ilo.delhi"], resource_id=resource.id)["downloads"] is None


def test_opening_a_video_link_is_logged(platform, directory):
    resource = resources.publish(platform, actor_id=directory["ipcu.admin"], title="I-24/7 walkthrough",
                                 category="training", url="https://example.org/i247.mp4")
    opened = resources.open_version(platform, actor_id=directory["ilo.assam"], resource_id=resource.id)
    assert opened == {"url": "https://example.org/i247.mp4"}
    assert audit_trail(platform, "resource.open") == [("ilo.assam", "resource.open", str(resource.id), {
        "version": 1, "url": "https://example.org/i247.mp4"})]


@pytest.mark.parametrize(("fields", "errors"), [
    ({"content": ELF, "filename": "guide.pdf"}, {"file": "is application/x-executable; allowed are PDF, Word (.docx), "
     "Excel (.xlsx), PowerPoint (.pptx), OpenDocument text (.odt), OpenDocument spreadsheet (.ods), "
     "OpenDocument presentation (.odp)"}),
    ({"content": TEXT}, {"file": "is unknown content; allowed are PDF, Word (.docx), Excel (.xlsx), PowerPoint "
     "(.pptx), OpenDocument text (.odt), OpenDocument spreadsheet (.ods), OpenDocument presentation (.odp)"}),
    ({"content": None, "url": "javascript:alert(1)"},
     {"url": "must be a full http:// or https:// address (at most 500 characters)"}),
    ({"content": None}, {"file": "choose a file to upload, or give a video link"}),
    ({"url": "https://example.org/x"}, {"file": "give a file or a link, not both"}),
])
def test_uploads_are_checked(platform, directory, fields, errors):
    with pytest.raises(Invalid) as caught:
        publish_handbook(platform, directory, **fields)
    assert caught.value.errors == errors


def test_details_are_checked(platform, directory):
    with pytest.raises(Invalid) as caught:
        publish_handbook(platform, directory, title=" ", category="gossip", tags="ok, <script>")
    assert caught.value.errors == {
        "title": "is required", "category": "must be one of rules, notices, cooperation, manuals, forms, circulars, "
                                            "training",
        "tags": "up to 12 comma-separated tags of letters, digits, spaces, '.' or '-' (40 characters each)"}


def test_a_link_gets_link_versions_only(platform, directory):
    resource = resources.publish(platform, actor_id=directory["ipcu.admin"], title="Video", category="training",
                                 url="https://example.org/a")
    with pytest.raises(Invalid) as caught:
        resources.add_version(platform, actor_id=directory["ipcu.admin"], resource_id=resource.id,
                              filename="a.pdf", content=HANDBOOK)
    assert caught.value.errors == {"file": "a new version of a link is a link; of a document, a document"}


def test_edit_changes_tags_and_search(platform, directory):
    resource = publish_handbook(platform, directory)
    resources.edit(platform, actor_id=directory["ipcu.admin"], resource_id=resource.id, title="Handbook",
                   description="", category="manuals", tags="diffusions")
    assert (titles(platform, directory, tag="diffusions"), titles(platform, directory, q="article 82"),
            titles(platform, directory, q="draft")) == (["Handbook"], ["Handbook"], [])


def test_unknown_resource_is_not_found(platform, directory):
    with pytest.raises(NotFound):
        resources.open_version(platform, actor_id=directory["uo.delhi.crime"], resource_id=999)


def test_damaged_pdf_is_published_without_text(platform, directory):
    resource = publish_handbook(platform, directory, content=b"%PDF-1.4\nnot really a pdf\n%%EOF\n")
    page = read.resource_page(platform, actor_id=directory["ipcu.admin"], resource_id=resource.id)
    assert page["versions"][0]["has_text"] is False


# --- training register ---------------------------------------------------------------------------------

def coverage(platform, ids, username="ipcu.admin") -> dict:
    figures = read.training_page(platform, actor_id=ids[username])["coverage"]
    return {r["code"]: (r["sessions"], r["trained"], r["accounts"], r["coverage"]) for r in figures["agencies"]}


def test_demo_register_holds_the_2025_trainings(platform, directory):
    sessions = read.training_page(platform, actor_id=directory["uo.delhi.crime"])["sessions"]
    assert [(s["held_on"], s["mode"], s["agencies"], s["attendees"]) for s in sessions] == [
        ("2025-03-03", "in_person", ["CBI", "NIA"], 1),
        ("2025-02-25", "online", ["ASSAM"], 1),
        ("2025-02-18", "online", ["PUNJAB"], 1),
        ("2025-02-11", "online", ["TELANGANA"], 0),
        ("2025-02-04", "online", ["TRIPURA"], 0),
        ("2025-01-28", "online", ["DELHI"], 2),
        ("2025-01-21", "online", ["ANDHRA"], 0),
        ("2025-01-07", "in_person", ["ANDHRA", "ASSAM", "DELHI", "NIA", "PUNJAB", "TELANGANA", "TRIPURA"], 7),
    ]
    assert (sessions[-1]["title"], sessions[-1]["venue"]) == (
        "BHARATPOL launch: training of INTERPOL Liaison Officers", "CBI Headquarters, New Delhi")


def test_demo_coverage_per_agency(platform, directory):
    assert coverage(platform, directory) == {
        "ANDHRA": (2, 1, 1, 100.0), "ASSAM": (2, 2, 2, 100.0), "CBI": (1, 1, 2, 50.0), "DELHI": (2, 3, 3, 100.0),
        "NIA": (2, 1, 1, 100.0), "PUNJAB": (2, 2, 2, 100.0), "TELANGANA": (2, 1, 1, 100.0),
        "TRIPURA": (2, 1, 1, 100.0)}
    totals = read.training_page(platform, actor_id=directory["ipcu.admin"])["coverage"]["totals"]
    assert totals == {"agencies": 8, "agencies_trained": 8, "trained": 12, "accounts": 13}


def test_coverage_counts_new_accounts_and_new_agencies(platform, directory):
    connect.create_agency(platform, actor_id=directory["ipcu.admin"], code="KERALA", name="Kerala Police",
                          kind="state_police")
    connect.create_account(platform, actor_id=directory["ilo.delhi"], agency_code="DELHI", username="uo.delhi.new",
                           full_name="New officer", role="UO", unit_code="DELHI-SOUTH")
    connect.set_active(platform, actor_id=directory["ipcu.admin"], username="ilo.nia", active=False, reason="retired")
    figures = coverage(platform, directory)
    assert (figures["DELHI"], figures["KERALA"], figures["NIA"]) == (
        (2, 3, 4, 75.0), (0, 0, 0, None), (2, 0, 0, None))


def test_officers_see_their_own_agencys_coverage(platform, directory):
    assert coverage(platform, directory, "ilo.punjab") == {"PUNJAB": (2, 2, 2, 100.0)}


def test_ipcu_records_a_session_and_its_attendees_agencies_count(platform, directory):
    row = training.record_session(platform, actor_id=directory["ipcu.officer"], held_on="2025-04-10",
                                  title="Silver Notice pilot", mode="online", organiser="CBI IPCU",
                                  agency_codes=["telangana"], usernames=["ipcu.admin", "uo.delhi.crime "])
    detail = read.training_session_page(platform, actor_id=directory["ipcu.admin"], session_id=row.id)
    assert ([a["code"] for a in detail["agencies"]], [a["username"] for a in detail["attendees"]]) == (
        ["CBI", "DELHI", "TELANGANA"], ["ipcu.admin", "uo.delhi.crime"])
    assert coverage(platform, directory)["CBI"] == (2, 2, 2, 100.0)
    mine = read.training_session_page(platform, actor_id=directory["ilo.delhi"], session_id=row.id)
    assert [a["username"] for a in mine["attendees"]] == ["uo.delhi.crime"]
    assert audit_trail(platform, "training.") == [("ipcu.officer", "training.record", str(row.id), {
        "held_on": "2025-04-10", "title": "Silver Notice pilot", "mode": "online", "agencies": 3, "attendees": 2})]


def test_training_record_is_checked(platform, directory):
    with pytest.raises(Invalid) as caught:
        training.record_session(platform, actor_id=directory["ipcu.officer"], held_on="3 March", title="",
                                mode="webinar", organiser="", agency_codes=["ATLANTIS"], usernames=["nobody"])
    assert caught.value.errors == {
        "held_on": "must be a date (YYYY-MM-DD)", "title": "is required", "mode": "must be one of in_person, online",
        "organiser": "is required", "agencies": "unknown agency codes: ATLANTIS",
        "attendees": "unknown accounts: nobody"}


def test_future_sessions_and_empty_sessions_are_refused(platform, directory):
    with pytest.raises(Invalid) as caught:
        training.record_session(platform, actor_id=directory["ipcu.officer"], held_on=date(2999, 1, 1).isoformat(),
                                title="Later", mode="online", organiser="CBI")
    assert caught.value.errors == {
        "held_on": "is in the future; record a session once it has been held",
        "agencies": "choose the agencies the session was for, or the officers who attended"}


def test_only_ipcu_records_trainings(platform, directory):
    with pytest.raises(Forbidden):
        training.record_session(platform, actor_id=directory["ilo.delhi"], held_on="2025-04-10", title="x",
                                mode="online", organiser="x", agency_codes=["DELHI"])
    with platform.uow() as uow:
        assert len(uow.session.scalars(select(TrainingSession)).all()) == 8
