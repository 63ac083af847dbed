"""Complete, valid request data shared by the tests."""

VALID_RED = {
    "notice_type": "RED",
    "subject": {
        "family_name": "Sharma",
        "forename": "Ravi",
        "sex": "M",
        "date_of_birth": "1980-04-12",
        "place_of_birth": "Jaipur",
        "nationalities": ["IN"],
        "aliases": ["Ravi S."],
        "identity_documents": [{"type": "passport", "number": "Z1234567", "issuing_country": "IN"}],
        "physical_description": "1.75 m, slim build, black hair",
        "distinguishing_marks": "Scar on the left forearm",
        "languages": ["Hindi", "English"],
        "person_status": "accused",
    },
    "case": {
        "fir_number": "RC0012023A0001",
        "police_station": "CBI EO-I New Delhi",
        "summary_of_facts": "On 15 March 2021 in New Delhi the accused, director of a shell company, "
        "cheated 40 investors of INR 12 crore with forged deposit receipts.",
        "offence_date": "2021-03-15",
        "offence_place": "New Delhi",
    },
    "charges": [
        {"description": "Cheating", "law": "IPC", "section": "420", "max_penalty_months": 84},
        {"description": "Criminal conspiracy", "law": "IPC", "section": "120B", "max_penalty": "life"},
    ],
    "purpose": "prosecution",
    "warrant": {
        "number": "NBW/2023/117",
        "date": "2023-06-01",
        "issuing_authority": "Special Judge (CBI), Rouse Avenue Courts, New Delhi",
        "judicial": True,
    },
    "extradition": {"assurance": True, "countries": ["AE", "GB"]},
    "particular_importance": False,
    "public_extract": False,
}

VALID_YELLOW = {
    "notice_type": "YELLOW",
    "subject": {
        "family_name": "Verma",
        "forename": "Anjali",
        "sex": "F",
        "date_of_birth": "2009",
        "nationalities": ["IN"],
        "person_status": "missing",
        "fingerprints_available": False,
        "dna_available": False,
    },
    "missing_report": {"number": "MPR/114/2024", "date": "2024-11-02", "police_station": "Saket"},
    "whereabouts_known": False,
}

VALID_BLUE = {
    "notice_type": "BLUE",
    "subject": {"family_name": "Khan", "forename": "Imran", "sex": "M", "date_of_birth": "1986",
                "nationalities": ["IN"], "person_status": "suspect"},
    "case": {"fir_number": "FIR 233/2024", "police_station": "Crime Branch, Delhi",
             "summary_of_facts": "Suspected of laundering the proceeds of an online investment fraud in 2024."},
    "information_sought": "Current address, travel history and bank accounts held abroad.",
}

VALID_BLACK = {
    "notice_type": "BLACK",
    "subject": {"sex": "M", "physical_description": "Male, about 40 years, 1.70 m, tattoo of an anchor on the "
                "right arm", "person_status": "unidentified", "fingerprints_available": True,
                "dna_available": False},
    "body": {"found_date": "2025-01-12", "found_place": "Yamuna bank near Wazirabad, Delhi",
             "circumstances": "Found by fishermen; no identity documents."},
}

VALID_GREEN = {
    "notice_type": "GREEN",
    "subject": {"family_name": "Rao", "forename": "Suresh", "sex": "M", "date_of_birth": "1975-09-30",
                "nationalities": ["IN"], "person_status": "convicted"},
    "grounds": {"previous_conviction": True,
                "conviction_details": "Convicted 2019 by Sessions Court Hyderabad of trafficking minors; 5 years."},
}

VALID_ORANGE = {
    "notice_type": "ORANGE",
    "subject": {},
    "threat": {"description": "Parcel bombs disguised as courier packets sent to airline offices.",
               "imminence": "Two devices intercepted this week; more are in transit."},
}

VALID_PURPLE = {
    "notice_type": "PURPLE",
    "subject": {},
    "modus_operandi": {"description": "Gold concealed in the frames of trolley bags, coated to pass X-ray screening.",
                       "objects": "Modified trolley bags"},
}

VALID_UNSC = {
    "notice_type": "UNSC",
    "subject": {"family_name": "Example", "forename": "Listed", "sex": "M", "person_status": "accused"},
    "unsc": {"un_reference": "QDi.999", "resolution": "2253 (2015)", "reference_date": "2020-03-01"},
}

VALID_SILVER = {
    "notice_type": "SILVER",
    "subject": {},
    "assets": [{"description": "Villa bought with proceeds of a bank fraud", "type": "real estate",
                "location_country": "AE", "estimated_value": 2500000, "currency": "AED"}],
}

VALID_DIFFUSION = {
    **VALID_RED,
    "notice_type": "DIFFUSION",
    "diffusion": {"notice_type": "RED", "countries": ["AE", "GB"]},
}

# attachment kinds each valid sample needs
ATTACHMENTS = {"RED": ["warrant"], "YELLOW": ["photo"], "BLUE": [], "BLACK": ["photo", "fingerprints"],
               "GREEN": [], "ORANGE": [], "PURPLE": [], "UNSC": [], "SILVER": [], "DIFFUSION": ["warrant"]}
VALID = {"RED": VALID_RED, "YELLOW": VALID_YELLOW, "BLUE": VALID_BLUE, "BLACK": VALID_BLACK, "GREEN": VALID_GREEN,
         "ORANGE": VALID_ORANGE, "PURPLE": VALID_PURPLE, "UNSC": VALID_UNSC, "SILVER": VALID_SILVER,
         "DIFFUSION": VALID_DIFFUSION}
