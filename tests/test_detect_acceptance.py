"""Point-level detection quality of the default policy on payloads, with the real full detector.

Acceptance: with the default policy at --fail-on low, at least 95% of PII-bearing points are
flagged and at most 10% of PII-free points. Measured twice: on hand-written sentences (not the
templates the recognizers were tuned on) and on seeded synthetic payloads (a seed not used
while tuning). Run with -s to see the rates.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from vecaudit.detect.engine import PiiDetector
from vecaudit.models import Finding, Point, PointId
from vecaudit.nodes.stages import scan_payloads
from vecaudit.policy.evaluate import count_violations
from vecaudit.policy.loader import load_policy
from vecaudit.policy.schema import Policy
from vecaudit.synthetic import detection as synthetic

KEY = bytes(range(32))

PII_FREE = [
    "The checkout page times out after 30 seconds when the cart has more than 50 items.",
    "I love this blender, it crushes ice in seconds and cleans up easily.",
    "Shipping was fast but the box was damaged on arrival.",
    "Quarterly revenue rose 8% year over year, driven by subscription growth in Europe.",
    "The central bank kept interest rates unchanged at 4.5% on Wednesday.",
    "Please restart the service after applying patch 2.14.1.",
    "Our return policy allows exchanges within 30 days of purchase with a receipt.",
    "The library opens at 9am on weekdays and 10am on Saturdays.",
    "Set the thermostat to 21 degrees at night to save energy.",
    "The API returns HTTP 429 when more than 100 requests are sent per minute.",
    "Bake the bread at 220 C for 35 minutes until golden.",
    "Heavy snow is expected in the northern mountains this weekend.",
    "The new firmware improves battery life by roughly 15 percent.",
    "Employees may work remotely up to three days per week.",
    "The annual conference will take place in Lisbon in October 2025.",
    "Login fails with error code 0x80070005 on the second attempt.",
    "This jacket runs small, order one size up.",
    "Stock markets in Asia closed higher after the trade data release.",
    "Replace the air filter every 3 months for best performance.",
    "The museum's new wing displays over 400 paintings from the 19th century.",
    "Invoice 2024-0117 was paid in full on March 4.",
    "Tap the gear icon, then choose Privacy and turn off location sharing.",
    "The package weighs 2.3 kg and measures 40 x 30 x 15 cm.",
    "Customer reported that the mobile app freezes on the loading screen.",
    "Average delivery time in rural areas is five business days.",
    "Our support team is available 24/7 via chat.",
    "The hotel was clean, the staff were friendly, and breakfast was excellent.",
    "Version 3.2 deprecates the legacy export endpoint.",
    "The city council approved a new bike lane on the main avenue.",
    "Flight delays at the airport averaged 42 minutes in July.",
    "Memory usage spikes to 2 GB during the nightly batch job.",
    "Store the vaccine between 2 and 8 degrees Celsius.",
    "The course includes 12 video lessons and a final quiz.",
    "Our warehouse in Rotterdam handles all European orders.",
    "The printer on the third floor needs a new toner cartridge.",
    "Wind turbines generated 22% of the country's electricity last year.",
    "Please attach screenshots and the log file to the ticket.",
    "The recipe serves four and takes about an hour.",
    "Discount codes cannot be combined with other offers.",
    "The database migration finished in 14 minutes with no errors.",
    "Great sound quality, but the ear cushions get warm after an hour.",
    "Meeting notes: agreed to postpone the launch until the security review is complete.",
    "The board approved the budget for fiscal year 2026.",
    "Traffic on the highway was slow because of road works near exit 12.",
    "Users can export reports as CSV or PDF.",
    "The smartwatch tracks sleep, heart rate and steps.",
    "Our office will be closed on public holidays.",
    "The train to the coast departs every hour from platform 4.",
    "A firmware bug caused the sensor to report 0 degrees.",
    "The marathon starts at 7:30 and the course closes after six hours.",
    "The app supports English, Spanish and German.",
    "Tickets for the concert sold out within 20 minutes.",
    "The school year begins on the first Monday of September.",
    "Backups are retained for 90 days and encrypted at rest.",
    "Add two cups of flour and a pinch of salt.",
    "The outage affected about 3% of users in the eu-west region.",
    "Price increased from $19.99 to $24.99 per month.",
    "Make sure the cable is firmly seated in port 2.",
    "The survey had 1,245 responses and a margin of error of 3 points.",
    "Researchers found that the drug reduced symptoms in 60% of patients.",
    "The hiking trail is 12 km long with an elevation gain of 600 m.",
    "Please update your password every 90 days.",
    "The dishwasher makes a loud noise during the drying cycle.",
    "Global shipments of smartphones fell 4% in the second quarter.",
    "Our refund was processed within three business days, thank you!",
    "The lamp's warm light is perfect for reading.",
    "Upgrade to the Pro plan to unlock team workspaces.",
    "The bridge will be closed for repairs from June 3 to June 10.",
    "Set the log level to debug and reproduce the issue.",
    "The coffee tastes burnt when the machine is set to extra strong.",
    "Sales of electric cars doubled in Norway over two years.",
    "Each seat has a USB charger and extra legroom.",
    "The test suite runs in about 4 minutes on CI.",
    "Rainfall in the region was 30% below average this spring.",
    "Keep the receipt; the warranty lasts two years.",
    "The webinar recording is available on the resources page.",
    "A magnitude 5.1 earthquake struck off the coast early Tuesday.",
    "Our delivery partner does not ship to PO boxes.",
    "The tablet's screen cracked after a short drop.",
    "Standup moved to 10:15 starting next week.",
    "Enable two-factor authentication in account settings.",
    "The cafe on the corner serves the best croissants in town.",
    "Inflation slowed to 2.9% in August.",
    "The parking garage has 350 spaces and charges by the hour.",
    "Our SLA guarantees 99.9% uptime per calendar month.",
    "Spring cleaning checklist: windows, gutters, and the garage.",
    "The vacuum's battery lasts 40 minutes on the eco setting.",
    "New hires complete onboarding training in their first week.",
    "The festival attracted more than 80,000 visitors.",
    "Click Save to apply the changes, then reload the page.",
    "The river flooded parts of the old town after days of rain.",
    "Our team shipped 14 features and fixed 63 bugs this sprint.",
    "The sofa is comfortable but the fabric pills quickly.",
    "The city plans to plant 10,000 trees by 2030.",
    "The scanner supports A4 and letter paper sizes.",
    "Ticket escalated to tier 2 because the issue persists after reinstall.",
    "Museum entry is free on the first Sunday of each month.",
    "The kettle boils a full litre in under three minutes.",
    "Pollen counts will be high through Friday.",
    "The release candidate passed all regression tests.",
    "Apple announced the new iPhone at its September event.",
    "Microsoft Teams keeps disconnecting during video calls.",
    "The Toyota Corolla remains one of the best-selling cars worldwide.",
    "Flights from Tokyo to Paris were cancelled because of the storm.",
    "Order 88213-B ships from our Memphis distribution center.",
    "Use SKU WX-4410-BLK when reordering the black model.",
    "Server build 10.0.19045 requires a reboot after the update.",
    "The warranty claim form is available in English and French.",
]

PII_BEARING = [
    "Hi, this is Rebecca Thornton, I was double charged for my subscription.",
    "Please update the shipping address to 1845 Birchwood Drive, Apt 3B, Columbus.",
    "You can reach me on 415-555-0132 any time after lunch.",
    "My SSN is 523-44-8721, please don't share it.",
    "Refund to card 4539 1488 0343 6467 please.",
    "Contact: samuel.ortiz@fastmail.com",
    "Patient Harold Jenkins, 67, admitted with chest pain.",
    "Gabriela Moreno left a voicemail about her claim.",
    "Send the signed lease to tenant Marcus Bell.",
    "Account holder: Yvonne Lambert, IBAN GB82WEST12345698765432.",
    "The server at 172.16.254.1 logged repeated failed logins overnight.",
    "DOB 07/22/1979, MRN 55120933.",
    "Our new hire, Tomasz Wojcik, starts Monday.",
    "I spoke with Dr. Elena Petrova about the test results.",
    "Forward the invoice to billing@harrisonlaw.com by Friday.",
    "Call Mr. Okonkwo at (312) 555-0188 to confirm the delivery.",
    "Social security number 219 56 7834 is on the application.",
    "Kenji Watanabe reviewed the pull request and approved it.",
    "The cardholder Priscilla Grant disputed the charge.",
    "Emergency contact is her brother Daniel Fox, 646-555-0177.",
    "Applicant Fatou Diallo submitted her passport copy.",
    "Please wire funds to DE44500105175407324931.",
    "Reset link sent to m.becker@posteo.de",
    "Lisa Huang from accounting approved it.",
    "Ship to: Omar Farouk, 77 Kingsley Road, Leeds.",
    "Feedback from Charlotte Dubois: the onboarding was smooth.",
    "Rahul Mehta's visa expires in March.",
    "Call me at +44 20 7946 0958 regarding the order.",
    "CVV 482, expiry 09/27.",
    "ssn: 612458891",
    "Born on 12 March 1988 in Manchester.",
    "Interviewer notes on candidate Jamal Washington: strong communicator.",
    "Thanks Ingrid, the report looks great.",
    "The complaint was filed by Agnieszka Nowak on behalf of her mother.",
    "Send the package to PO Box 4471, Tucson.",
    "Meeting with Benjamin Carter and Aaliyah Brooks at 3pm.",
    "Her phone number changed to 202-555-0143.",
    "Employee ID 448812, name: Victor Huang.",
    "Email jessica_m_1990@yahoo.com for the spreadsheet.",
    "Mrs. Abernathy called twice about the leaking roof.",
    "Diagnosed with type 2 diabetes; patient Luis Ortega to return in 3 months.",
    "Card number 5425 2334 3010 9903 was declined.",
    "His IP was 203.0.113.57 when the order was placed.",
    "Please verify the identity of Sophie Laurent before releasing the records.",
    "Signed, Theodore Whitfield",
    "Questions? Ask Bianca Rossi at bianca.r@studio9.io",
    "Our landlord Mr. Feldman raised the rent by 5%.",
    "Account 123456789 belongs to Nora Lindqvist.",
    "Nurse Ama Owusu documented the wound care at 14:00.",
    "I'm Jorge and my number is 305-555-0199.",
]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("default")


@pytest.fixture(scope="module")
def detector(policy: Policy) -> PiiDetector:
    return PiiDetector(entities=policy.entities(), mode=policy.detector_mode)


def _flagged(policy: Policy, detector: PiiDetector, payloads: list[dict[str, object]]) -> list[bool]:
    """Whether the scan's own payload stage finds a violation in each payload (keys and numbers too)."""
    points = [Point(id=i, payload=p) for i, p in enumerate(payloads)]
    findings: defaultdict[PointId, list[Finding]] = defaultdict(list)
    for f in scan_payloads(detector, policy, "docs", points, key=KEY):
        findings[f.point_id].append(f)
    return [count_violations(findings[i], "low") > 0 for i in range(len(payloads))]


def test_handwritten_sentences_meet_acceptance(policy: Policy, detector: PiiDetector) -> None:
    pii = _flagged(policy, detector, [{"text": t} for t in PII_BEARING])
    clean = _flagged(policy, detector, [{"text": t} for t in PII_FREE])
    recall, fp_rate = sum(pii) / len(pii), sum(clean) / len(clean)
    missed = [t for t, f in zip(PII_BEARING, pii, strict=True) if not f]
    false = [t for t, f in zip(PII_FREE, clean, strict=True) if f]
    print(
        f"\nhand-written: PII points flagged {recall:.3f} ({len(pii)}), "
        f"PII-free flagged {fp_rate:.3f} ({len(clean)})"
    )
    assert recall >= 0.95, missed
    assert fp_rate <= 0.10, false


def test_synthetic_payloads_meet_acceptance(policy: Policy, detector: PiiDetector) -> None:
    rng = random.Random(20261122)
    pii_payloads = [synthetic.payload(rng, with_pii=True) for _ in range(150)]
    clean_payloads = [synthetic.payload(rng, with_pii=False) for _ in range(150)]
    recall = sum(_flagged(policy, detector, pii_payloads)) / len(pii_payloads)
    fp_rate = sum(_flagged(policy, detector, clean_payloads)) / len(clean_payloads)
    print(f"\nsynthetic payloads: PII points flagged {recall:.3f}, PII-free flagged {fp_rate:.3f}")
    assert recall >= 0.95
    assert fp_rate <= 0.10
