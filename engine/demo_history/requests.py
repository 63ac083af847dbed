"""Draft data the demo uses to take open generated cases past the draft with the real engine.

Types without a sample here stay at the draft; a sample the current forms or rules refuse does the same
(the command reports where each open case stopped).
"""

import copy

PDF = b"%PDF-1.4\n% generated history: warrant copy\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

SUBJECT = {"family_name": "Sharma", "forename": "Ravi", "sex": "M", "date_of_birth": "1980-04-12",
           "place_of_birth": "Jaipur", "nationalities": ["IN"], "physical_description": "1.75 m, slim build",
           "person_status": "accused"}

REQUESTS = {
    "RED": {
        "notice_type": "RED", "subject": SUBJECT,
        "case": {"fir_number": "RC0012023A0001", "police_station": "CBI EO-I New Delhi", "offence_date": "2021-03-15",
                 "offence_place": "New Delhi",
                 "summary_of_facts": "On 15 March 2021 in New Delhi the accused, director of a shell company, "
                                     "cheated 40 investors of INR 12 crore with forged deposit receipts."},
        "charges": [{"description": "Cheating", "law": "IPC", "section": "420", "max_penalty_months": 84}],
        "purpose": "prosecution",
        "warrant": {"number": "NBW/2023/117", "date": "2023-06-01", "judicial": True,
                    "issuing_authority": "Special Judge (CBI), Rouse Avenue Courts, New Delhi"},
        "extradition": {"assurance": True, "countries": ["AE", "GB"]},
        "particular_importance": False, "public_extract": False,
    },
    "YELLOW": {
        "notice_type": "YELLOW",
        "subject": {"family_name": "Verma", "forename": "Anjali", "sex": "F", "date_of_birth": "2009",
                    "nationalities": ["IN"], "person_status": "missing", "fingerprints_available": False,
                    "dna_available": False},
        "missing_report": {"number": "MPR/114/2024", "date": "2024-11-02", "police_station": "Saket"},
        "whereabouts_known": False,
    },
    "BLUE": {
        "notice_type": "BLUE",
        "subject": {"family_name": "Khan", "forename": "Imran", "sex": "M", "date_of_birth": "1986",
                    "nationalities": ["IN"], "person_status": "suspect"},
        "case": {"fir_number": "FIR 233/2024", "police_station": "Crime Branch, Delhi",
                 "summary_of_facts": "Suspected of laundering the proceeds of an online investment fraud in 2024."},
        "information_sought": "Current address, travel history and bank accounts held abroad.",
    },
    "BLACK": {
        "notice_type": "BLACK",
        "subject": {"sex": "M", "physical_description": "Male, about 40 years, 1.70 m, tattoo of an anchor on the "
                    "right arm", "person_status": "unidentified", "fingerprints_available": True,
                    "dna_available": False},
        "body": {"found_date": "2025-01-12", "found_place": "Yamuna bank near Wazirabad, Delhi",
                 "circumstances": "Found by fishermen; no identity documents."},
    },
    "GREEN": {
        "notice_type": "GREEN",
        "subject": {"family_name": "Rao", "forename": "Suresh", "sex": "M", "date_of_birth": "1975-09-30",
                    "nationalities": ["IN"], "person_status": "convicted"},
        "grounds": {"previous_conviction": True,
                    "conviction_details": "Convicted 2019 by Sessions Court Hyderabad of trafficking minors; 5 years."},
    },
    "ORANGE": {
        "notice_type": "ORANGE", "subject": {},
        "threat": {"description": "Parcel bombs disguised as courier packets sent to airline offices.",
                   "imminence": "Two devices intercepted this week; more are in transit."},
    },
    "PURPLE": {
        "notice_type": "PURPLE", "subject": {},
        "modus_operandi": {"description": "Gold concealed in the frames of trolley bags, coated to pass X-ray "
                                          "screening.", "objects": "Modified trolley bags"},
    },
    "UNSC": {
        "notice_type": "UNSC",
        "subject": {"family_name": "Example", "forename": "Listed", "sex": "M", "person_status": "accused"},
        "unsc": {"un_reference": "QDi.999", "resolution": "2253 (2015)", "reference_date": "2020-03-01"},
    },
    "SILVER": {
        "notice_type": "SILVER", "subject": {},
        "assets": [{"description": "Villa bought with proceeds of a bank fraud", "type": "real estate",
                    "location_country": "AE", "estimated_value": 2500000, "currency": "AED"}],
    },
}
REQUESTS["DIFFUSION"] = {**REQUESTS["RED"], "notice_type": "DIFFUSION",
                         "diffusion": {"notice_type": "RED", "countries": ["AE", "GB"]}}
ATTACHMENTS = {"RED": [("warrant", "warrant.pdf", PDF)], "DIFFUSION": [("warrant", "warrant.pdf", PDF)],
               "YELLOW": [("photo", "photo.png", PNG)],
               "BLACK": [("photo", "photo.png", PNG), ("fingerprints", "fingerprints.png", PNG)]}

FAMILY_NAMES = ("Sharma", "Verma", "Singh", "Khan", "Reddy", "Das", "Nair", "Gill", "Bora", "Rao", "Iyer", "Sen")
FORENAMES = ("Ravi", "Anjali", "Imran", "Suresh", "Meena", "Arjun", "Pooja", "Vikram", "Farah", "Kiran")


def personal(sample: dict, case_id: int) -> dict:
    """A copy of the sample about a person and case of its own (the same person twice is a duplicate warning)."""
    data = copy.deepcopy(sample)
    subject = data.get("subject", {})
    if not subject.get("family_name"):
        return data
    subject["family_name"] = FAMILY_NAMES[case_id % len(FAMILY_NAMES)]
    subject["forename"] = f"{FORENAMES[case_id // len(FAMILY_NAMES) % len(FORENAMES)]} {case_id}"
    if "case" in data:
        data["case"]["fir_number"] = f"FIR {case_id}/2025"
    if "missing_report" in data:
        data["missing_report"]["number"] = f"MPR/{case_id}/2025"
    return data
