"""Demo directory (never in production): CBI IPCU, seven agencies, their ILOs and units."""

from functools import cache

from engine.demo_training import load_trainings
from engine.directory import hash_password, new_user
from engine.models import Agency, Unit

DEMO_PASSWORD = "bharatpol-demo"

AGENCIES = [
    ("CBI", "Central Bureau of Investigation (IPCU, NCB New Delhi)", "central_agency",
     [("CBI-IPCU", "INTERPOL Police Cooperation Unit"), ("CBI-EOW", "Economic Offences Wing")]),
    ("DELHI", "Delhi Police", "state_police",
     [("DELHI-CRIME", "Crime Branch"), ("DELHI-SOUTH", "South District")]),
    ("PUNJAB", "Punjab Police", "state_police",
     [("PUNJAB-LUDHIANA", "Ludhiana Commissionerate"), ("PUNJAB-AMRITSAR", "Amritsar Commissionerate")]),
    ("ASSAM", "Assam Police", "state_police",
     [("ASSAM-GUWAHATI", "Guwahati Commissionerate"), ("ASSAM-CID", "CID Assam")]),
    ("TELANGANA", "Telangana Police", "state_police",
     [("TELANGANA-HYDERABAD", "Hyderabad Commissionerate"), ("TELANGANA-CID", "CID Telangana")]),
    ("ANDHRA", "Andhra Pradesh Police", "state_police",
     [("ANDHRA-VIJAYAWADA", "Vijayawada Commissionerate"), ("ANDHRA-CID", "CID Andhra Pradesh")]),
    ("TRIPURA", "Tripura Police", "state_police",
     [("TRIPURA-AGARTALA", "West Tripura (Agartala)"), ("TRIPURA-CID", "CID Tripura")]),
    ("NIA", "National Investigation Agency", "central_agency",
     [("NIA-DELHI", "NIA Headquarters, New Delhi"), ("NIA-MUMBAI", "NIA Branch Office, Mumbai")]),
]

# (username, full name, role, agency, unit, flags)
USERS = [
    ("ipcu.admin", "IPCU Administrator", "IPCU", "CBI", None,
     {"is_admin": True, "is_process_owner": True, "is_supervisor": True}),
    ("ipcu.officer", "IPCU Officer", "IPCU", "CBI", None, {}),
    ("uo.delhi.crime", "SP Crime Branch, Delhi", "UO", "DELHI", "DELHI-CRIME", {}),
    ("uo.delhi.south", "DCP South District, Delhi", "UO", "DELHI", "DELHI-SOUTH", {}),
    ("uo.punjab.ludhiana", "Commissioner of Police, Ludhiana", "UO", "PUNJAB", "PUNJAB-LUDHIANA", {}),
    ("uo.assam.guwahati", "Commissioner of Police, Guwahati", "UO", "ASSAM", "ASSAM-GUWAHATI", {}),
]


@cache
def _demo_hash() -> str:
    """All demo accounts share one public password; hashing it once keeps init-db and tests quick."""
    return hash_password(DEMO_PASSWORD)


def load(session):
    """Insert the demo directory; the caller commits."""
    agencies, units = {}, {}
    for code, name, kind, unit_list in AGENCIES:
        agencies[code] = Agency(code=code, name=name, kind=kind)
        session.add(agencies[code])
        session.flush()
        for unit_code, unit_name in unit_list:
            units[unit_code] = Unit(code=unit_code, name=unit_name, agency_id=agencies[code].id)
            session.add(units[unit_code])
    session.flush()
    users = list(USERS) + [(f"ilo.{code.lower()}", f"INTERPOL Liaison Officer, {name}", "ILO", code, None,
                            {"is_supervisor": True}) for code, name, _kind, _u in AGENCIES[1:]]
    for username, full_name, role, agency, unit, flags in users:
        new_user(session, username=username, full_name=full_name, role=role, agency=agencies[agency],
                 unit=units.get(unit), password=DEMO_PASSWORD, password_hash=_demo_hash(), is_demo=True,
                 must_change_password=False, **flags)
    load_trainings(session)
