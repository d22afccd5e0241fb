"""Payload keys as labels for label-gated recognizers, and the scripts the NER model cannot read."""

from __future__ import annotations

import pytest
from vecaudit.detect.labels import context_label, key_words
from vecaudit.detect.scripts import unread_scripts


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("dateOfBirth", "date of birth"),
        ("SSNNumber", "ssn number"),
        ("customer-SSN", "customer ssn"),
        ("Date of Birth", "date of birth"),
        ("passport.no", "passport no"),
    ],
)
def test_key_words(key: str, words: str) -> None:
    assert key_words(key) == words


@pytest.mark.parametrize(
    ("keys", "label"),
    [
        # SSN and its common spellings
        (["ssn"], "ssn"),
        (["SSN"], "ssn"),
        (["SSN#"], "ssn"),
        (["ss_no"], "ssn"),
        (["social_security_number"], "ssn"),
        (["socialSecurityNo"], "ssn"),
        (["customer", "ssn"], "ssn"),
        # dates of birth
        (["dob"], "date of birth"),
        (["DOB"], "date of birth"),
        (["date_of_birth"], "date of birth"),
        (["dateOfBirth"], "date of birth"),
        (["birthdate"], "date of birth"),
        (["birth_date"], "date of birth"),
        (["birthday"], "date of birth"),
        # passports, bank accounts, medical record numbers, card security codes
        (["passport"], "passport"),
        (["passport_no"], "passport"),
        (["passportNumber"], "passport"),
        (["bank_account"], "bank account"),
        (["bankAccountNumber"], "bank account"),
        (["account_number"], "bank account"),
        (["acct_no"], "bank account"),
        (["iban"], "bank account"),
        (["mrn"], "mrn"),
        (["MRN"], "mrn"),
        (["medical_record_number"], "mrn"),
        (["patient", "id"], "mrn"),
        (["patient_id"], "mrn"),
        (["cvv"], "cvv"),
        (["CVV2"], "cvv"),
        (["card", "cvc"], "cvv"),
        (["security_code"], "cvv"),
        # others a recognizer reads context for
        (["phone"], "phone"),
        (["phoneNumbers"], "phone"),
        (["mobile"], "phone"),
        (["contact_number"], "phone"),
        (["SocialSecurityNumber"], "ssn"),
        (["SSN No."], "ssn"),
        (["date-of-birth"], "date of birth"),
        (["birth_dt"], "date of birth"),
        (["passportNo"], "passport"),
        (["bank_acct"], "bank account"),
        (["account_no"], "bank account"),
        (["routing_number"], "bank account"),
        (["medical_record_no"], "mrn"),
        (["patientId"], "mrn"),
        (["card_cvv"], "cvv"),
        (["CVC2"], "cvv"),
        (["card_number"], "credit card"),
        (["drivers_license"], "driver license"),
        (["tax_id"], "itin"),
        (["nhs_no"], "nhs number"),
        # the key nearest the value wins
        (["email_phone"], "phone"),
        (["phone", "email"], "email"),
    ],
)
def test_keys_that_label_a_value(keys: list[str], label: str) -> None:
    assert context_label(keys) == label


@pytest.mark.parametrize(
    "keys",
    [
        ["name"],  # "name: Acme" would make the cue-based PERSON recognizer fire on any capital
        ["product_name"],
        ["customer"],
        ["account"],
        ["account_id"],
        ["order_id"],
        ["date"],
        ["created_at"],
        ["telemetry"],
        ["cid"],  # a customer id as often as a card code
        ["jane.doe@example.org"],
        ["ssn", "notes", "text"],  # only the last two keys are read together
    ],
)
def test_keys_that_label_nothing(keys: list[str]) -> None:
    assert context_label(keys) is None


@pytest.mark.parametrize(
    ("text", "scripts"),
    [
        ("Jane Doe called", []),
        ("José García, Müller, Øster, Łukasz", []),
        ("5 μg daily", []),  # one Greek letter is a unit, not a name
        ("Иван Петров звонил", ["CYRILLIC"]),
        ("王伟 called about the refund", ["CJK"]),
        ("田中 タナカ", ["KATAKANA", "CJK"]),
        ("محمد علي", ["ARABIC"]),
        ("call 555-0143 📞", []),
    ],
)
def test_scripts_the_english_ner_model_cannot_read(text: str, scripts: list[str]) -> None:
    assert unread_scripts(text) == scripts
