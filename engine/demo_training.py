"""Demo training register (never in production): BHARATPOL's 2025 trainings.

The 7 January session (ILOs at CBI Headquarters, the day the portal was launched) and the CBI Academy
programme of 3 March are dated as reported; the online sessions for six state police forces are in the order
reported, on illustrative dates in January–February 2025."""

from datetime import date

from sqlalchemy import select

from engine.models import Agency, User
from engine.services.training import add_session

ILO_AGENCIES = ("DELHI", "PUNJAB", "ASSAM", "TELANGANA", "ANDHRA", "TRIPURA", "NIA")
ONLINE = (("ANDHRA", "Andhra Pradesh Police", date(2025, 1, 21)), ("DELHI", "Delhi Police", date(2025, 1, 28)),
          ("TRIPURA", "Tripura Police", date(2025, 2, 4)), ("TELANGANA", "Telangana Police", date(2025, 2, 11)),
          ("PUNJAB", "Punjab Police", date(2025, 2, 18)), ("ASSAM", "Assam Police", date(2025, 2, 25)))

# (date, title, mode, organiser, venue, agencies, attendees; "ILO"/"UO" stand for those accounts of the agencies)
TRAININGS = [
    (date(2025, 1, 7), "BHARATPOL launch: training of INTERPOL Liaison Officers", "in_person",
     "CBI IPCU (NCB New Delhi)", "CBI Headquarters, New Delhi", ILO_AGENCIES, "ILO"),
    *[(day, f"BHARATPOL online session for {name}", "online", "CBI IPCU (NCB New Delhi)", None, (code,), "UO")
      for code, name, day in ONLINE],
    (date(2025, 3, 3), "BHARATPOL and INTERPOL notices: programme for investigating officers", "in_person",
     "CBI Academy", "CBI Academy, Ghaziabad", ("CBI", "NIA"), "IPCU"),
]


def load_trainings(session, recorded_by: str = "ipcu.admin"):
    """Insert the 2025 sessions; the caller commits. Attendees are the demo accounts of the given role."""
    agencies = dict(session.execute(select(Agency.code, Agency.id)).all())
    accounts = session.execute(select(User.id, User.role, User.agency_id, User.username)).all()
    by_name = {a.username: a.id for a in accounts}
    for held_on, title, mode, organiser, venue, codes, role in TRAININGS:
        ids = {agencies[c] for c in codes}
        attendees = {a.id for a in accounts if a.role == role and a.agency_id in ids and a.username != recorded_by}
        add_session(session, recorded_by=by_name[recorded_by], held_on=held_on, title=title, mode=mode,
                    organiser=organiser, venue=venue, agency_ids=ids, user_ids=attendees)
