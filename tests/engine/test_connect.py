"""Connect through the services: administration scoped along the hierarchy, deactivation that keeps history,
messages along the hierarchy only, unread counts, attachments checked like case attachments."""

import hashlib

import pytest
from library_samples import ELF, TEXT, make_pdf
from sqlalchemy import select

from engine import connect_queries as read
from engine.errors import Forbidden, Invalid, NotFound
from engine.models import ApiToken, AuditEntry, MessageThread, User
from engine.services import connect, messages
from engine.services.accounts import SignInFailed, authenticate, issue_token
from engine.services.cases import start_case

pytestmark = pytest.mark.integration


def audit_trail(platform, prefix: str) -> list[tuple]:
    with platform.uow() as uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.action.like(f"{prefix}%"))
                                   .order_by(AuditEntry.seq))
        return [(e.actor, e.action, e.object_id, e.detail) for e in rows]


def account(platform, username: str) -> User:
    with platform.uow() as uow:
        return uow.session.scalar(select(User).where(User.username == username))


def write(platform, ids, sender, to, subject="Status of request", body="Please advise.", **extra):
    return messages.start_thread(platform, actor_id=ids[sender], to=to, subject=subject, body=body, **extra)


def unread(platform, ids, username) -> int:
    return read.unread_count(platform, actor_id=ids[username])


# --- administration ---------------------------------------------------------------------------------------

def test_ipcu_admin_creates_an_agency_and_its_ilo(platform, directory):
    agency = connect.create_agency(platform, actor_id=directory["ipcu.admin"], code="kerala",
                                   name="Kerala Police", kind="state_police")
    user, password = connect.create_account(platform, actor_id=directory["ipcu.admin"], agency_code="KERALA",
                                            username="ilo.kerala", full_name="ILO, Kerala Police", role="ILO")
    assert (agency.code, agency.name, agency.kind) == ("KERALA", "Kerala Police", "state_police")
    assert (user.role, user.unit_id, user.must_change_password, user.active, len(password)) == (
        "ILO", None, True, True, 16)
    assert authenticate(platform, username="ilo.kerala", password=password).id == user.id
    assert audit_trail(platform, "agency.") + audit_trail(platform, "account.") == [
        ("ipcu.admin", "agency.create", "KERALA", {"name": "Kerala Police", "kind": "state_police"}),
        ("ipcu.admin", "account.create", "ilo.kerala", {"role": "ILO", "agency": "KERALA", "unit": None}),
    ]


def test_temporary_password_never_reaches_the_audit_log(platform, directory):
    _, password = connect.create_account(platform, actor_id=directory["ipcu.admin"], agency_code="NIA",
                                         username="ilo2.nia", full_name="Second ILO, NIA", role="ILO")
    with platform.uow() as uow:
        assert [e.id for e in uow.session.scalars(select(AuditEntry)) if password in str(e.detail)] == []


def test_ipcu_officer_without_admin_right_may_not_create_agencies(platform, directory):
    with pytest.raises(Forbidden):
        connect.create_agency(platform, actor_id=directory["ipcu.officer"], code="GOA", name="Goa Police",
                              kind="state_police")


def test_ilo_creates_unit_and_unit_officer_in_its_agency(platform, directory):
    unit = connect.create_unit(platform, actor_id=directory["ilo.delhi"], agency_code="DELHI",
                               code="delhi-cyber", name="Cyber Cell")
    user, _ = connect.create_account(platform, actor_id=directory["ilo.delhi"], agency_code="DELHI",
                                     username="uo.delhi.cyber", full_name="DCP Cyber Cell", role="UO",
                                     unit_code="DELHI-CYBER")
    assert (unit.code, user.unit_id, user.agency_id) == ("DELHI-CYBER", unit.id, unit.agency_id)
    page = read.agency_page(platform, actor_id=directory["ilo.delhi"], code="DELHI")
    assert [u["code"] for u in page["units"]] == ["DELHI-CRIME", "DELHI-CYBER", "DELHI-SOUTH"]
    assert page["roles"] == ["UO"]


@pytest.mark.parametrize("call", [
    lambda p, ids: connect.create_unit(p, actor_id=ids["ilo.delhi"], agency_code="PUNJAB", code="PUNJAB-X",
                                       name="X"),
    lambda p, ids: connect.create_account(p, actor_id=ids["ilo.delhi"], agency_code="PUNJAB", username="uo.x",
                                          full_name="X", role="UO", unit_code="PUNJAB-LUDHIANA"),
    lambda p, ids: connect.set_active(p, actor_id=ids["ilo.delhi"], username="uo.punjab.ludhiana", active=False,
                                      reason="transferred"),
    lambda p, ids: connect.reset_password(p, actor_id=ids["ilo.delhi"], username="uo.punjab.ludhiana"),
    lambda p, ids: read.agency_page(p, actor_id=ids["ilo.delhi"], code="PUNJAB"),
    lambda p, ids: read.account_page(p, actor_id=ids["ilo.delhi"], username="ilo.punjab"),
])
def test_ilo_gets_not_found_for_another_agencys_objects(platform, directory, call):
    with pytest.raises(NotFound):
        call(platform, directory)


@pytest.mark.parametrize("call", [
    lambda p, ids: connect.create_agency(p, actor_id=ids["ilo.delhi"], code="GOA", name="Goa", kind="state_police"),
    lambda p, ids: connect.create_account(p, actor_id=ids["ilo.delhi"], agency_code="DELHI", username="ilo.two",
                                          full_name="Second ILO", role="ILO"),
    lambda p, ids: connect.set_active(p, actor_id=ids["ilo.punjab"], username="ilo.punjab", active=False,
                                      reason="self"),
    lambda p, ids: connect.create_unit(p, actor_id=ids["uo.delhi.crime"], agency_code="DELHI", code="DELHI-X",
                                       name="X"),
    lambda p, ids: connect.create_unit(p, actor_id=ids["uo.delhi.crime"], agency_code="NOWHERE", code="X-X",
                                       name="X"),
    lambda p, ids: read.agency_page(p, actor_id=ids["uo.delhi.crime"], code="DELHI"),
    lambda p, ids: read.account_page(p, actor_id=ids["ipcu.officer"], username="uo.delhi.crime"),
])
def test_actions_the_role_may_not_do_are_forbidden(platform, directory, call):
    with pytest.raises(Forbidden):
        call(platform, directory)


def test_ilo_may_not_deactivate_a_fellow_ilo(platform, directory):
    connect.create_account(platform, actor_id=directory["ipcu.admin"], agency_code="DELHI", username="ilo2.delhi",
                           full_name="Second ILO, Delhi", role="ILO")
    with pytest.raises(Forbidden):
        connect.set_active(platform, actor_id=directory["ilo.delhi"], username="ilo2.delhi", active=False,
                           reason="x")


def test_unit_code_must_carry_the_agency_code(platform, directory):
    with pytest.raises(Invalid) as caught:
        connect.create_unit(platform, actor_id=directory["ilo.delhi"], agency_code="DELHI", code="CYBER", name="")
    assert caught.value.errors == {
        "code": "must start with 'DELHI-' followed by letters or digits (e.g. DELHI-CID)", "name": "is required"}


def test_unit_officer_needs_a_unit_of_the_agency(platform, directory):
    with pytest.raises(Invalid) as caught:
        connect.create_account(platform, actor_id=directory["ilo.delhi"], agency_code="DELHI", username="uo.x",
                               full_name="X", role="UO", unit_code="PUNJAB-LUDHIANA")
    assert caught.value.errors == {"unit": "choose one of Delhi Police's units"}


def test_taken_username_is_refused(platform, directory):
    with pytest.raises(Invalid) as caught:
        connect.create_account(platform, actor_id=directory["ilo.delhi"], agency_code="DELHI",
                               username="uo.delhi.south", full_name="X", role="UO", unit_code="DELHI-SOUTH")
    assert caught.value.errors == {"username": "'uo.delhi.south' is already taken"}


def test_deactivated_officer_cannot_sign_in_and_keeps_history(platform, directory):
    write(platform, directory, "uo.delhi.crime", "ILO:DELHI", body="Draft ready for vetting.")
    issue_token(platform, username="uo.delhi.crime", password="bharatpol-demo")
    connect.set_active(platform, actor_id=directory["ilo.delhi"], username="uo.delhi.crime", active=False,
                       reason="transferred to CID")
    with pytest.raises(SignInFailed):
        authenticate(platform, username="uo.delhi.crime", password="bharatpol-demo")
    with pytest.raises(Forbidden):
        write(platform, directory, "uo.delhi.crime", "ILO:DELHI")
    page = read.account_page(platform, actor_id=directory["ilo.delhi"], username="uo.delhi.crime")
    assert (page["active"], page["messages_sent"], [(e["actor"], e["action"], e["detail"]) for e in page["history"]]) \
        == (False, 1, [("ilo.delhi", "account.deactivate", {"reason": "transferred to CID"})])
    thread = read.messages_page(platform, actor_id=directory["ilo.delhi"])["threads"][0]
    shown = messages.open_thread(platform, actor_id=directory["ilo.delhi"], thread_id=thread["id"])
    assert [(m["sender"], m["body"]) for m in shown["messages"]] == [("uo.delhi.crime", "Draft ready for vetting.")]
    with platform.uow() as uow:
        assert uow.session.scalars(select(ApiToken)).all() == []


def test_reactivated_officer_signs_in_again(platform, directory):
    connect.set_active(platform, actor_id=directory["ipcu.admin"], username="ilo.assam", active=False, reason="leave")
    connect.set_active(platform, actor_id=directory["ipcu.admin"], username="ilo.assam", active=True)
    assert authenticate(platform, username="ilo.assam", password="bharatpol-demo").username == "ilo.assam"
    assert [a[1] for a in audit_trail(platform, "account.")] == ["account.deactivate", "account.reactivate"]


def test_deactivation_needs_a_reason(platform, directory):
    with pytest.raises(Invalid) as caught:
        connect.set_active(platform, actor_id=directory["ilo.delhi"], username="uo.delhi.south", active=False)
    assert caught.value.errors == {"reason": "say why the account is deactivated (e.g. transferred, retired)"}


def test_password_reset_forces_a_change_at_next_sign_in(platform, directory):
    user, password = connect.reset_password(platform, actor_id=directory["ilo.punjab"], username="uo.punjab.ludhiana")
    assert (user.must_change_password, authenticate(platform, username=user.username, password=password).id) == (
        True, user.id)


def test_directory_names_each_agencys_ilo_and_units(platform, directory):
    rows = {a["code"]: a for a in read.directory_page(platform, actor_id=directory["uo.assam.guwahati"])["agencies"]}
    assert [i["username"] for i in rows["DELHI"]["ilos"]] == ["ilo.delhi"]
    assert [(u["code"], u["officers"]) for u in rows["DELHI"]["units"]] == [("DELHI-CRIME", 1), ("DELHI-SOUTH", 1)]
    assert rows["CBI"]["ilos"] == []


# --- messages -------------------------------------------------------------------------------------------

def test_unit_officer_writes_to_its_own_ilo(platform, directory):
    thread = write(platform, directory, "uo.delhi.crime", "ILO:DELHI")
    assert (unread(platform, directory, "ilo.delhi"), unread(platform, directory, "uo.delhi.crime")) == (1, 0)
    shown = messages.open_thread(platform, actor_id=directory["ilo.delhi"], thread_id=thread.id)
    assert (shown["with"], shown["unread"], unread(platform, directory, "ilo.delhi")) == (
        "Crime Branch, Delhi Police", 1, 0)
    assert audit_trail(platform, "message.") == [
        ("uo.delhi.crime", "message.send", str(thread.id), {"message": 1, "to": "ILO:DELHI", "case": None}),
        ("ilo.delhi", "message.read", str(thread.id), {"up_to": 1, "newly_read": 1}),
    ]


@pytest.mark.parametrize(("sender", "to"), [
    ("uo.delhi.crime", "ILO:PUNJAB"),
    ("uo.delhi.crime", "IPCU"),
    ("uo.delhi.crime", "UO:DELHI-SOUTH"),
    ("ilo.delhi", "ILO:PUNJAB"),
    ("ilo.delhi", "UO:PUNJAB-LUDHIANA"),
    ("ipcu.officer", "UO:DELHI-CRIME"),
    ("ipcu.officer", "IPCU"),
])
def test_messages_off_the_hierarchy_are_refused(platform, directory, sender, to):
    with pytest.raises(Forbidden):
        write(platform, directory, sender, to)
    with platform.uow() as uow:
        assert uow.session.scalars(select(MessageThread)).all() == []


def test_unknown_office_is_invalid(platform, directory):
    with pytest.raises(Invalid) as caught:
        write(platform, directory, "ilo.delhi", "UO:NOWHERE")
    assert caught.value.errors == {"to": "'UO:NOWHERE' is not an office you can write to"}


def test_offices_each_role_may_write_to(platform, directory):
    def offices(username):
        return [a for a, _ in read.compose_page(platform, actor_id=directory[username])["recipients"]]
    assert offices("uo.delhi.crime") == ["ILO:DELHI"]
    assert offices("ilo.delhi") == ["IPCU", "UO:DELHI-CRIME", "UO:DELHI-SOUTH"]
    assert offices("ipcu.officer") == ["ILO:ANDHRA", "ILO:ASSAM", "ILO:DELHI", "ILO:NIA", "ILO:PUNJAB",
                                       "ILO:TELANGANA", "ILO:TRIPURA"]


def test_unread_counts_are_per_officer_and_office(platform, directory):
    thread = write(platform, directory, "ilo.delhi", "IPCU")
    assert [unread(platform, directory, u) for u in ("ipcu.admin", "ipcu.officer", "ilo.delhi")] == [1, 1, 0]
    messages.open_thread(platform, actor_id=directory["ipcu.officer"], thread_id=thread.id)
    messages.reply(platform, actor_id=directory["ipcu.officer"], thread_id=thread.id, body="Received.")
    messages.reply(platform, actor_id=directory["ipcu.officer"], thread_id=thread.id, body="Sent to the GS.")
    assert [unread(platform, directory, u) for u in ("ipcu.admin", "ipcu.officer", "ilo.delhi")] == [1, 0, 2]
    listed = read.messages_page(platform, actor_id=directory["ilo.delhi"])
    assert (listed["unread"], [(t["with"], t["messages"], t["unread"]) for t in listed["threads"]]) == (
        2, [("CBI IPCU (NCB New Delhi)", 3, 2)])


def test_other_units_and_agencies_do_not_see_a_thread(platform, directory):
    thread = write(platform, directory, "uo.delhi.crime", "ILO:DELHI")
    for outsider in ("uo.delhi.south", "ilo.punjab", "ipcu.officer"):
        with pytest.raises(NotFound):
            messages.open_thread(platform, actor_id=directory[outsider], thread_id=thread.id)
        assert read.messages_page(platform, actor_id=directory[outsider])["threads"] == []


def test_thread_tied_to_a_case_both_offices_may_see(platform, deployed):
    case = start_case(platform, actor_id=deployed["uo.delhi.crime"], process_id="notice_request")
    thread = write(platform, deployed, "uo.delhi.crime", "ILO:DELHI", case_reference=case.reference)
    onward = write(platform, deployed, "ilo.delhi", "IPCU", case_reference=case.reference)
    shown = messages.open_thread(platform, actor_id=deployed["ilo.delhi"], thread_id=thread.id)
    assert (shown["case"], onward.case_id) == ({"id": case.id, "reference": case.reference}, case.id)
    with pytest.raises(Invalid) as not_theirs:
        write(platform, deployed, "ilo.delhi", "UO:DELHI-SOUTH", case_reference=case.reference)
    with pytest.raises(Invalid) as not_mine:
        write(platform, deployed, "uo.punjab.ludhiana", "ILO:PUNJAB", case_reference=case.reference)
    assert not_theirs.value.errors == {"case": f"{case.reference} is not visible to South District, Delhi Police; "
                                               "link only a case both offices may see"}
    assert not_mine.value.errors == {"case": f"no case {case.reference} that you may see"}


@pytest.mark.parametrize(("content", "found"), [(ELF, "application/x-executable"), (TEXT, "unknown content")])
def test_message_attachments_are_checked_by_content(platform, directory, content, found):
    with pytest.raises(Invalid) as caught:
        write(platform, directory, "uo.delhi.crime", "ILO:DELHI", filename="warrant.pdf", content=content)
    assert caught.value.errors == {"file": f"is {found}; allowed are PDF, JPEG, PNG, TIFF, Word (.docx), "
                                           "OpenDocument text (.odt)"}


def test_message_attachment_is_stored_by_digest_and_its_download_logged(platform, directory):
    pdf = make_pdf("Letter of request")
    thread = write(platform, directory, "uo.delhi.crime", "ILO:DELHI", filename="../../letter.pdf", content=pdf)
    shown = messages.open_thread(platform, actor_id=directory["ilo.delhi"], thread_id=thread.id)
    file = shown["messages"][0]["files"][0]
    meta, path = messages.open_file(platform, actor_id=directory["ilo.delhi"], thread_id=thread.id,
                                    attachment_id=file["id"])
    digest = hashlib.sha256(pdf).hexdigest()
    assert (meta, path, path.read_bytes() == pdf) == (
        {"filename": "letter.pdf", "content_type": "application/pdf", "size": len(pdf)},
        platform.settings.data_dir / "attachments" / digest, True)
    assert audit_trail(platform, "message.download") == [
        ("ilo.delhi", "message.download", str(thread.id),
         {"attachment": file["id"], "filename": "letter.pdf", "sha256": digest})]
    with pytest.raises(NotFound):
        messages.open_file(platform, actor_id=directory["ilo.punjab"], thread_id=thread.id, attachment_id=file["id"])
