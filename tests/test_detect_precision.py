"""The precision stage and the name lexicon, kind by kind, with the real full detector.

Each kind has the issue's example and further cases of the same kind; the "still found" cases
make sure a rule does not throw away what it must keep. A detection counts when it reaches 0.4,
the lowest threshold of any preset.
"""

from __future__ import annotations

import pytest
from vecaudit.detect.engine import PiiDetector
from vecaudit.detect.names import casing_of, find_names
from vecaudit.detect.precision import is_duration

REPORTABLE = 0.4


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector()


def _found(detector: PiiDetector, text: str) -> set[tuple[str, str]]:
    return {
        (d.entity_type, text[d.start : d.end]) for d in detector.analyze([text])[0] if d.score >= REPORTABLE
    }


def _types(detector: PiiDetector, text: str) -> set[str]:
    return {entity for entity, _ in _found(detector, text)}


@pytest.mark.parametrize(
    "text",
    [
        "Agenda: 1) incident review 2) roadmap 3) hiring plan",
        "Next quarter we switch the event bus from RabbitMQ to Kafka and retire the old broker.",
        "Jenkins was replaced by GitHub Actions for all new repositories.",
        "Zookeeper is no longer needed since Kafka runs in KRaft mode.",
        "The dashboard runs on Grafana with Prometheus as the data source.",
        "Minutes: Snowflake costs, Terraform modules, Vite upgrade.",
        "Mar 18 09:14:02 build-07 systemd[1]: Started Daily apt upgrade and clean activities.",
        "Jan 07 12:30:45 edge-router kernel: eth0: link up, 1000 Mbps, full duplex",
        "our travel mug arrived two days late but works exactly as described.",
        "love the fabric, hate the zipper. returned it within a week.",
        "Send warranty repairs to our service center, PO Box 1200, Austin.",
        "Grace period for returns ends after fourteen days.",
        "Summer Sale: all garden furniture 20% off until Sunday.",
        "WE WILL PRICE THE ORDER AFTER THE MARK HILL SURVEY.",
        "Victoria Park reopens after the renovation.",
        # Companies named after people, where spaCy reads an organisation in a text about companies
        "Morgan Stanley raised its price target on the stock.",
        "Wells Fargo will close 30 branches next year.",
        "The Walt Disney Company released its quarterly results.",
    ],
)
def test_product_words_logs_and_lowercase_words_are_no_person(detector: PiiDetector, text: str) -> None:
    assert "PERSON" not in _types(detector, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Invoice for Eva Novak, due in 30 days.", "Eva Novak"),
        ("Invoice for Kwame Asante, due in 30 days.", "Kwame Asante"),
        ("Invoice for Mehmet Yilmaz, due in 30 days.", "Mehmet Yilmaz"),  # spaCy: only "Yilmaz"
        (
            "Please forward the contract to Lenka Svobodová before Friday.",
            "Lenka Svobodová",
        ),  # spaCy: a place
        ("Lunch meeting with Natalia Ivanova moved to 1pm.", "Natalia Ivanova"),
        ("The ticket was closed by Folasade Adeyemi yesterday.", "Folasade Adeyemi"),
        ("Please ask Jan de Vries to approve the purchase order.", "Jan de Vries"),
        ("Nguyen Thi Lan will cover the night shift.", "Nguyen Thi Lan"),
        ("Dear Mr. Okonkwo, your order has shipped.", "Okonkwo"),
        ("CALLBACK REQUESTED BY SOPHIE MARCHETTI REGARDING ORDER 5531.", "SOPHIE MARCHETTI"),
        ("PASSENGER AHMED KHALIL MISSED THE CONNECTING FLIGHT.", "AHMED KHALIL"),
        ("DELIVER TO MARIA GONZALEZ AT THE FRONT DESK.", "MARIA GONZALEZ"),
        ("invoice for eva novak, due in 30 days.", "eva novak"),
        ("please ask kenji watanabe to review the pull request.", "kenji watanabe"),
        ("Revenue report prepared by Eva Novak.", "Eva Novak"),  # spaCy: an organisation
        ("URGENT: KWAME OSEI NEEDS A REPLACEMENT CARD BEFORE FRIDAY.", "KWAME OSEI"),
    ],
)
def test_names_from_many_cultures_and_casings_are_found_in_full(
    detector: PiiDetector, text: str, name: str
) -> None:
    assert ("PERSON", name) in _found(detector, text)


def test_name_lexicon_reads_names_but_not_words_without_capitals() -> None:
    def names(text: str) -> list[str]:
        return [text[s:e] for s, e, _ in find_names(text)]

    assert names("Invoice for Kwame Asante, due in 30 days.") == ["Kwame Asante"]
    assert names("URGENT: KWAME OSEI NEEDS A REPLACEMENT CARD") == ["KWAME OSEI"]
    assert names("Visit King Street West or Victoria Station.") == []
    assert names("we will price the order and mark hill as done") == []
    assert casing_of("CALLBACK REQUESTED BY X") == "upper"
    assert casing_of("invoice for eva") == "lower"
    assert casing_of("Invoice for Eva") == "cased"


@pytest.mark.parametrize(
    "text",
    [
        "1712345678.00 -0.73",
        "[ 1234.567890] EXT4-fs (sda1): mounted filesystem with ordered data mode.",
        "1712345679.25 0.12 0.98 1.04",
        "sensor_04 reading 1023.4501 hPa at epoch 1700000000",
        "ts=1712345678123 level=info msg=served duration_ms=42",
        "Server build 10.0.19045 requires a reboot after the update.",
        "Order 20240514233 was split into two shipments.",
        "Compiled the kernel module on 12.12.2002 without warnings.",
        "The release shipped 05-20-2022 after the freeze.",
        "Backups from 2021/11/03 were restored to staging.",
        "Invoice dated 3.7.2019 was archived.",
    ],
)
def test_timestamps_floats_versions_and_ids_are_no_phone_numbers(detector: PiiDetector, text: str) -> None:
    assert "PHONE_NUMBER" not in _types(detector, text)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Call 212-555-0105 to confirm the appointment.", "212-555-0105"),
        ("You can reach me on 415-555-0132 any time.", "415-555-0132"),
        ("Call me at +44 20 7946 0958 regarding the order.", "+44 20 7946 0958"),
        ("Her phone number changed to 202.555.0143.", "202.555.0143"),
        ("phone: 4155550143", "4155550143"),  # bare digits with a cue
        ("Call me on 05-20-2022 after six.", "05-20-2022"),  # a date's layout, called a phone
        ("Mobile 030.1234.5678 for the courier.", "030.1234.5678"),  # no valid date
    ],
)
def test_phone_numbers_are_still_found(detector: PiiDetector, text: str, phone: str) -> None:
    assert ("PHONE_NUMBER", phone) in _found(detector, text)


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        # US phones that pass the NHS mod-11 check: a phone, not also an NHS number.
        ("Call 212-555-0105 to confirm the appointment.", "212-555-0105", "PHONE_NUMBER"),
        ("My mobile is 415-555-0105.", "415-555-0105", "PHONE_NUMBER"),
        # An NHS number with its cue: an NHS number, not also a phone.
        ("NHS number 943 476 5919 was recorded at triage.", "943 476 5919", "UK_NHS"),
        # A date of birth is not also a DATE_TIME; an address is not also a LOCATION.
        ("DOB: March 14th, 1985", "March 14th, 1985", "DATE_OF_BIRTH"),
        ("I live at 12 Willow Lane and the parcel never came.", "12 Willow Lane", "STREET_ADDRESS"),
        # A name is not also a place.
        ("Please forward the contract to Nino Beridze before Friday.", "Nino Beridze", "PERSON"),
    ],
)
def test_one_value_gets_one_entity_type(detector: PiiDetector, text: str, value: str, entity: str) -> None:
    start = text.index(value)
    end = start + len(value)
    overlapping = {
        d.entity_type
        for d in detector.analyze([text])[0]
        if d.score >= REPORTABLE and d.start < end and start < d.end
    }
    assert overlapping == {entity}


def test_mod11_numbers_without_an_nhs_cue_are_no_nhs_numbers(detector: PiiDetector) -> None:
    # 2125550113 passes the NHS checksum, as about one number in eleven does.
    assert "UK_NHS" not in _types(detector, "Ticket 2125550113 was closed.")
    assert ("UK_NHS", "2125550113") in _found(detector, "nhs no 2125550113")


@pytest.mark.parametrize(
    "text",
    [
        "Visit our flagship store at 1200 Market Street, San Francisco, open daily from 9 to 6.",
        "The public library at 455 Main Street is closed on Sundays and public holidays.",
        "The museum at 1000 Fifth Avenue offers free entry on the first Friday of each month.",
        "Returns can be dropped off at our warehouse, 500 Industrial Way, Reno.",
        "Branch opening hours at 19 High Street: 9:30 to 4:30, closed Sundays.",
        "Acme Corp, 500 Main Street, Suite 200, Springfield",
    ],
)
def test_a_public_places_address_is_no_personal_data(detector: PiiDetector, text: str) -> None:
    assert "STREET_ADDRESS" not in _types(detector, text)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "Please update my shipping address to 1845 Birchwood Drive, Apt 3B.",
            "1845 Birchwood Drive, Apt 3B",
        ),
        ("I live at 12 Willow Lane and the parcel never came.", "12 Willow Lane"),
        ("Ship to: Omar Farouk, 77 Kingsley Road, Leeds.", "77 Kingsley Road"),
        ("Send the package to PO Box 4471, Tucson.", "PO Box 4471"),
    ],
)
def test_private_addresses_are_still_found(detector: PiiDetector, text: str, address: str) -> None:
    assert ("STREET_ADDRESS", address) in _found(detector, text)


def test_an_organisations_phone_line_is_no_personal_data(detector: PiiDetector) -> None:
    assert "PHONE_NUMBER" not in _types(detector, "Questions? Call our toll-free hotline 1-800-555-0199.")
    assert "PHONE_NUMBER" in _types(detector, "Call my cell at 415-555-0132.")


@pytest.mark.parametrize(
    "value",
    [
        "two days",
        "thirty days",
        "30 days",
        "Quarterly",
        "every hour",
        "18 months",
        "a week",
        "three business days",
        "thirty-day",
        "daily",
        "biweekly",
    ],
)
def test_durations_and_frequencies_are_no_dates(value: str) -> None:
    assert is_duration(value)


@pytest.mark.parametrize(
    "value", ["March 4, 2024", "Tuesday", "next Monday", "2019", "the first half of 2025"]
)
def test_points_in_time_are_dates(value: str) -> None:
    assert not is_duration(value)


@pytest.mark.parametrize(
    "text",
    [
        "our travel mug arrived two days late but works exactly as described.",
        "Returns are accepted within thirty days. Quarterly reports are due in two days.",
        "Backups are kept for ninety days and then deleted.",
        "CALLBACK REQUESTED BY SOPHIE MARCHETTI REGARDING ORDER 5531.",
    ],
)
def test_no_date_time_findings_for_durations_frequencies_or_numbers(detector: PiiDetector, text: str) -> None:
    assert "DATE_TIME" not in _types(detector, text)


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("She was born on the fourteenth of March, 1985, in Leeds.", "the fourteenth of March, 1985"),
        ("date of birth: the 2nd of May 2001", "the 2nd of May 2001"),
        ("Born on the twenty-first of June 1990 in Accra.", "the twenty-first of June 1990"),
        ("His birthday is March the third, 1979.", "March the third, 1979"),
        ("born March 14th, 1985 in Accra", "March 14th, 1985"),
    ],
)
def test_birth_dates_in_words_are_dates_of_birth(detector: PiiDetector, text: str, dob: str) -> None:
    assert ("DATE_OF_BIRTH", dob) in _found(detector, text)
    assert "DATE_TIME" not in _types(detector, text)


# ---------------------------------------------------------------- review: further cases of each kind


@pytest.mark.parametrize(
    "text",
    [
        "Order 2125550143 shipped yesterday.",
        "Ticket #4155550199 was merged into the parent issue.",
        "Case ID 6505550100 assigned to the queue.",
        "Job 4155550143 queued behind 12 others.",
        "Random seed 4155550143 reproduces the failure.",
        "Part number 212-555-0199 fits the 2019 model.",
        "Invoice no. 303-555-0111 is due on the 1st.",
        "Invoice INV-2024-000871 is overdue by 12 days.",  # glued into a longer code
        "SKU 415-555-0143-BLK is back in stock.",
        "ISBN-10 0-306-40615-2",
        "Latency: 415 555 0143 ns total across shards.",
        "Checksum crc32=4155550143",
        "Account balance: 4155550143.27 USD",  # a decimal amount, not a bank account
        "IMEI 490154203237518 registered to the device.",  # Luhn-valid by design, no card
    ],
)
def test_numbers_named_as_other_identifiers_are_no_phone_card_or_account(
    detector: PiiDetector, text: str
) -> None:
    assert not _types(detector, text) & {"PHONE_NUMBER", "CREDIT_CARD", "US_BANK_NUMBER"}, _found(
        detector, text
    )


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Call +1-415-555-0143 today.", "+1-415-555-0143"),
        ("fax-415-555-0143", "415-555-0143"),
        ("mobile-4155550143", "4155550143"),
        ("Call me at 415 555 0143 m-f 9-5", "415 555 0143"),
        ("Invoice questions? Phone number 415-555-0143", "415-555-0143"),
        ("Ticket 4415: customer phone 415-555-0143", "415-555-0143"),
        ("Order from 415-555-0143 received (call back).", "415-555-0143"),
    ],
)
def test_phone_numbers_next_to_identifier_words_are_still_found(
    detector: PiiDetector, text: str, phone: str
) -> None:
    assert ("PHONE_NUMBER", phone) in _found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "IP range 10.0.0.0/8 is private and never routed.",
        "Bind to 0.0.0.0 and 127.0.0.1 only.",
        "Netmask 255.255.255.0 on eth0.",
        "Subscribe to multicast group 239.255.0.1 for updates.",
    ],
)
def test_networks_masks_and_local_addresses_are_no_ip_address_of_anyone(
    detector: PiiDetector, text: str
) -> None:
    assert "IP_ADDRESS" not in _types(detector, text)


def test_a_hosts_address_is_still_an_ip_address(detector: PiiDetector) -> None:
    assert ("IP_ADDRESS", "203.0.113.45") in _found(detector, "User connected from 203.0.113.45 at 09:14.")


@pytest.mark.parametrize(
    "text",
    [
        "Powell's City of Books, 1005 W Burnside St, Portland, is open every day.",
        "The Art Institute at 111 South Michigan Avenue offers free Thursday evenings for residents.",
        "The Getty Center at 1200 Getty Center Drive is open Tuesday through Sunday.",
    ],
)
def test_more_public_places_addresses_are_no_personal_data(detector: PiiDetector, text: str) -> None:
    assert "STREET_ADDRESS" not in _types(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Bose QuietComfort Ultra earbuds pair with Android and iPhone in seconds.",
        "We moved billing from PayPal to Stripe and search to OpenSearch.",
        "Hong Kong and Singapore offices share one support queue.",
        "Sri Lanka and Costa Rica are new shipping destinations.",
        "Our Palo Alto and San Francisco teams meet on Fridays.",
        "Mercedes Benz recalls 12,000 vans over a seat belt issue.",
        "Merrill Lynch opened two new wealth offices, its dealers said.",
    ],
)
def test_product_compounds_places_and_companies_made_of_name_words_are_no_person(
    detector: PiiDetector, text: str
) -> None:
    assert "PERSON" not in _types(detector, text), _found(detector, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # A given name and a surname beat spaCy's guess that they are a place.
        ("Spoke with Emre Kaya about the refund this morning.", "Emre Kaya"),
        ("Reminder: the badge for Shirin Karimi expires next week.", "Shirin Karimi"),
        # Particles inside names, also in capitals.
        ("Spoke with Maria dos Santos about the refund this morning.", "Maria dos Santos"),
        ("Shipment signed for by Carlos de la Cruz at the front desk.", "Carlos de la Cruz"),
        ("Pieter van den Berg will join the call at noon.", "Pieter van den Berg"),
        ("SHIP TO PIETER VAN DEN BERG, DOOR CODE 2231.", "PIETER VAN DEN BERG"),
        # Names the Faker locales lack or romanize otherwise (auditor/data/names_extra.txt).
        ("Spoke with Dawit Tesfaye about the refund this morning.", "Dawit Tesfaye"),
        ("Ticket escalated to Thanawat Srisuk in billing.", "Thanawat Srisuk"),
        ("Reminder: the badge for Babatunde Fashola expires next week.", "Babatunde Fashola"),
        ("URGENT: MEKDES ASSEFA REQUESTED A CALLBACK ABOUT TICKET 4471.", "MEKDES ASSEFA"),
        ("Reminder: the badge for Kaveh Rostami expires next week.", "Kaveh Rostami"),
        ("Invoice for Eva\u00a0Novak, due in 30 days.", "Eva\u00a0Novak"),  # a no-break space
    ],
)
def test_more_names_are_found_in_full(detector: PiiDetector, text: str, name: str) -> None:
    assert ("PERSON", name) in _found(detector, text)


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("She was born on Thursday, March 14, 1985.", "Thursday, March 14, 1985"),
        ("Date of Birth - 14 Mar 85", "14 Mar 85"),
        ("DOB: 14-MAR-1985", "14-MAR-1985"),
        ("born on the first of May nineteen eighty-five", "the first of May nineteen eighty-five"),
        ("She was born on the 3rd of July, two thousand and one.", "the 3rd of July, two thousand and one"),
    ],
)
def test_more_birth_dates_in_words_are_dates_of_birth(detector: PiiDetector, text: str, dob: str) -> None:
    assert ("DATE_OF_BIRTH", dob) in _found(detector, text)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        # Support tickets name the support desk and still carry the customer's number.
        (
            "Customer service note: please call the customer back at 415-555-0143 about the refund.",
            "415-555-0143",
        ),
        (
            "Support ticket: customer support promised a callback, reach the client at 415-555-0143.",
            "415-555-0143",
        ),
        ("Hotline escalation: Jane Doe asked to be called on 415-555-0143.", "415-555-0143"),
        # An organisation named in another sentence says nothing about this number.
        ("Our office is closed on Friday. Call 415-555-0143 to reach Dana.", "415-555-0143"),
    ],
)
def test_a_persons_number_near_an_organisation_word_is_still_found(
    detector: PiiDetector, text: str, phone: str
) -> None:
    assert ("PHONE_NUMBER", phone) in _found(detector, text)


def test_a_card_number_glued_to_a_word_is_still_a_card(detector: PiiDetector) -> None:
    assert ("CREDIT_CARD", "4111111111111111") in _found(detector, "cc-4111111111111111")


# ------------------------------------------------- issue 14: names the lists and spaCy miss, by kind


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # Two capitalized words no list knows and English never uses, alone where a person stands.
        ("Please book a taxi for Zhanar Dauletova tomorrow.", "Zhanar Dauletova"),  # spaCy: ORG
        ("Chat transcript: Kanat Omarov asked whether the refund had gone through.", "Kanat Omarov"),
        # A distinctive given name before an unknown word, whatever spaCy calls it.
        ("Return label printed for Tahmina Akhter; the courier collects tomorrow.", "Tahmina Akhter"),
        ("Return label printed for Kalani Kealamakia; the courier collects tomorrow.", "Kalani Kealamakia"),
        ("The refund for Kaveh Ardalan is pending.", "Kaveh Ardalan"),
        # spaCy's span moved onto the lexicon's name: a particle surname, capitals after a verb.
        ("Spoke with Tarek ben Amor about the invoice.", "Tarek ben Amor"),  # spaCy: "ben Amor"
        ("PLEASE ADD ELENA MARINESCU TO THE CALL ON MONDAY.", "ELENA MARINESCU"),  # not "ADD ELENA ..."
        # A given name or surname that is also an English word.
        ("Fortune Sibanda asked about the refund.", "Fortune Sibanda"),  # a verb of a person follows
        ("Complaint logged by Nadeem Butt on Monday.", "Nadeem Butt"),  # spaCy read; "Butt" a word
        # Hyphened Korean given names: a place word after one is a surname.
        ("Forward the minutes to Bo-ra Park before noon.", "Bo-ra Park"),
        ("FORWARD THE MINUTES TO BO-RA PARK BEFORE NOON.", "BO-RA PARK"),
        ("Ticket escalated to Baek Ha-rin in billing.", "Baek Ha-rin"),
    ],
)
def test_names_the_lists_and_spacy_miss_are_found_in_full(
    detector: PiiDetector, text: str, name: str
) -> None:
    assert ("PERSON", name) in _found(detector, text), _found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        # Unknown words after an article, a place word, or before a product noun: things, places.
        "We stayed three nights in Siem Reap.",
        "Flights to Nha Trang are cheaper in May.",
        "The Xiaomi Redmi sold out within an hour.",
        "Lavazza Crema beans are on offer this week.",
        "Our Pokhara Lakeside hotel has a rooftop terrace.",
        # Brands and places named after people.
        "The Skoda Octavia estate has the biggest boot in its class.",
        "The Dacia Sandero remains the cheapest new car in Europe.",
        "Michael Kors handbags are 40% off this weekend.",
        "Tory Burch sneakers sold out in two days.",
        "Ferrero Rocher chocolates are on the counter.",
        "Jamie Oliver's restaurants closed last year.",
        "Trader Joe's opens a new store in Austin next month.",
        "We landed at Jomo Kenyatta just after midnight.",
        "Benito Juarez airport is closed for repairs.",
        "Indira Gandhi International added a new terminal.",
        "Anne Frank House tickets sell out weeks ahead.",
        "Martha Stewart Living published its final issue.",
        # A word as frequent as "add" is no given name before an unknown word in capitals.
        "PLEASE ADD KUBERNETES SUPPORT TO THE ROADMAP.",
    ],
)
def test_unknown_words_and_names_that_name_things_or_places_are_no_person(
    detector: PiiDetector, text: str
) -> None:
    assert "PERSON" not in _types(detector, text), _found(detector, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # Words after a name that are product nouns elsewhere, or verbs here.
        ("Contact Eva Novak phone 415-555-0143 after 5pm.", "Eva Novak"),
        ("Kwame Asante watches the front desk on Fridays.", "Kwame Asante"),
        ("Hana Kobayashi shops at the market every Saturday.", "Hana Kobayashi"),
        # Travel in the sentence, but nobody flies into the person.
        ("We flew to Accra with Kwame Asante.", "Kwame Asante"),
        ("We arrived at Eva Novak's house at six.", "Eva Novak's"),
        ("Call connected to Kwame Asante after a short wait.", "Kwame Asante"),
        # Words that name places after a name, but in a record about the person.
        ("Patient Eva Novak hospital admission was delayed.", "Eva Novak"),
        ("Eva Novak street address changed last week.", "Eva Novak"),
    ],
)
def test_names_next_to_brand_and_travel_words_are_still_found(
    detector: PiiDetector, text: str, name: str
) -> None:
    assert ("PERSON", name) in _found(detector, text)


def test_the_lexicon_reads_unknown_pairs_by_the_words_around_them() -> None:
    def names(text: str) -> list[str]:
        return [text[s:e] for s, e, _ in find_names(text)]

    assert names("Parcel for Zhanar Dauletova arrived damaged.") == ["Zhanar Dauletova"]
    assert names("The Xiaomi Redmi sold out within an hour.") == []  # an article: a thing
    assert names("Trains from Vientiane stop in Luang Prabang twice a day.") == []  # a place
    assert names("The Toyota Corolla remains a best seller.") == []
    assert names("PLEASE ADD ELENA MARINESCU TO THE CALL") == ["ELENA MARINESCU"]
    text = "Chat log: Kanat Omarov asked for a refund."
    scores = {text[s:e]: score for s, e, score in find_names(text)}
    assert scores["Kanat Omarov"] > 0.85  # a verb of a person: above spaCy's guess of a place


@pytest.mark.parametrize(
    "text",
    [
        # Regions named by a compass point, places named by a landform.
        "Exports to West Africa doubled last year.",
        "Bryce Canyon trails close at dusk.",
        # Drinks and goods after a name; a bank named after people in a text about bonds.
        "Harley Davidson boots are waterproof.",
        "Jacobs Kronung coffee is on offer.",
        "Merrill Lynch and Lazard underwrote the new bonds.",
    ],
)
def test_regions_landforms_goods_and_banks_are_no_person(detector: PiiDetector, text: str) -> None:
    # Kinds added after the held-out test half was measured once (see the commit message).
    assert "PERSON" not in _types(detector, text), _found(detector, text)
