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
    },
    "missing_report": {"number": "MPR/114/2024", "date": "2024-11-02", "police_station": "Saket"},
    "whereabouts_known": False,
}
