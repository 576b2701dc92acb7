"""Stage-aware engagement plans: which touches a contact gets depends on where it is in its story.

The story phase of an activity is the contact's lifecycle stage at the activity's time, refined on a deal by
the deal's stage (the lead's own deal timeline):

    MARKETING   subscriber, lead            marketing e-mails and content only (no rep works the contact)
    SDR         marketingqualifiedlead      SDR cadence: intro attempt, follow-up, break-up
    DISCOVERY   salesqualifiedlead, and a deal at its first stage (appointment scheduled)
    EVALUATION  deal at qualification / demo stages (B2C: the consultation)
    CLOSING     deal at buy-in / contract stages (B2C: deciding on the quote)
    CUSTOMER    after the win: onboarding and check-ins, for ONBOARDING_DAYS

What counts (see ``trajectories.slot_structure``): notes, tasks and calls are rep touches, from the contact's
MQL step on (``touchpointDensity`` per lead that a rep works: a lead that stops at subscriber or lead gets
marketing e-mails only); e-mails run from arrival (marketing while subscriber/lead, then rep or inbound);
meetings only on deals. Subjects below are the phase's own; they never name a later stage's business.
"""

from __future__ import annotations

import numpy as np

MARKETING, SDR, DISCOVERY, EVALUATION, CLOSING, CUSTOMER = range(6)
PHASES = ("marketing", "sdr", "discovery", "evaluation", "closing", "customer")
ONBOARDING_DAYS = 60
"""Days after a win during which a customer's rep touches continue (onboarding and first check-ins; an
assumption: SaaS onboarding programmes run 30-90 days)."""

DEAL_STAGE_PHASE = {
    "b2b": (DISCOVERY, EVALUATION, EVALUATION, CLOSING, CLOSING),
    "b2c": (EVALUATION, CLOSING),
}
"""Phase of each open deal stage (catalog.OPEN_STAGES order)."""

_NOTES = (
    ("Content download recorded",),
    ("Qualification notes", "First conversation", "Left voicemail recap"),
    ("Discovery notes", "Requirements captured", "Stakeholder map updated", "Current process documented"),
    ("Feedback on demo", "Objections noted", "Competitor mentioned", "Technical questions"),
    ("Pricing questions", "Budget discussed", "Negotiation notes", "Next steps agreed"),
    ("Onboarding notes", "Adoption check", "Customer feedback"),
)
_TASKS = (
    ("Add to nurture list",),
    ("Follow up by email", "Call back", "Send intro material"),
    ("Schedule demo", "Book discovery meeting", "Share case study"),
    ("Prepare demo environment", "Send technical documentation", "Book next meeting"),
    ("Send proposal", "Prepare quote", "Send contract", "Confirm decision timeline"),
    ("Schedule onboarding", "Check in after go-live", "Send training material"),
)
_CALLS = (
    ("Content follow-up",),
    ("Intro call", "Follow-up call", "Break-up call"),
    ("Discovery call", "Qualification call"),
    ("Demo call", "Technical call", "Follow-up call"),
    ("Pricing call", "Negotiation call", "Closing call"),
    ("Onboarding call", "Check-in call"),
)
_EMAILS = {
    "b2b": (
        ("Your guide to sales analytics", "Webinar invitation: dashboards in 30 minutes", "Monthly newsletter",
         "New report: 2026 analytics benchmarks"),
        ("Quick question", "Following up", "Should I close your file?"),
        ("Agenda for our call", "Following up on our conversation", "Case study you asked for"),
        ("Re: trial access", "Security questionnaire", "Demo recording"),
        ("Proposal for your review", "Pricing options", "Contract draft attached"),
        ("Welcome aboard", "Your onboarding plan", "Training session invitation"),
    ),
    "b2c": (
        ("New arrivals", "Thanks for visiting", "Your cart is waiting", "Seasonal sale"),
        ("Can we help you choose?", "Question about sizes"),
        ("Re: your question", "Appointment confirmed"),
        ("Your consultation", "Re: product options"),
        ("Your quote", "Re: delivery date", "Payment options"),
        ("Your order", "Re: warranty", "How is your purchase?"),
    ),
}  # fmt: skip
_MEETINGS = {
    "b2b": (
        ("Webinar",),
        ("Intro meeting",),
        ("Discovery meeting",),
        ("Product demo", "Technical deep dive"),
        ("Commercial review", "Contract walkthrough"),
        ("Kick-off", "Onboarding session"),
    ),
    "b2c": (
        ("Store event",),
        ("Video consultation",),
        ("Video consultation",),
        ("Video consultation", "In-store consultation"),
        ("Home visit",),
        ("Installation appointment",),
    ),
}


def subject_table(style: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(all subjects, first index, count) with rows indexed kind x len(PHASES) + phase (ACTIVITY_TYPES order)."""
    kinds = (_NOTES, _TASKS, _CALLS, _EMAILS[style], _MEETINGS[style])
    tables = [phase for kind in kinds for phase in kind]
    sizes = np.array([len(t) for t in tables], dtype=np.int64)
    return np.array([v for t in tables for v in t], dtype=object), np.cumsum(sizes) - sizes, sizes


def activity_phases(
    style: str,
    time: np.ndarray,
    lifecycle: np.ndarray,
    lifecycle_kept: np.ndarray,
    deal_times: np.ndarray,
) -> np.ndarray:
    """Phase of each activity: ``lifecycle``/``lifecycle_kept`` (m, 6) and ``deal_times`` (m, S + 1) are the
    activity's lead's rows."""
    stage = ((lifecycle <= time[:, None]) & lifecycle_kept).sum(axis=1) - 1
    deal_stage = np.minimum((deal_times[:, 1:] <= time[:, None]).sum(axis=1), deal_times.shape[1] - 2)
    by_deal = np.asarray(DEAL_STAGE_PHASE[style], dtype=np.int64)
    by_stage = np.array((MARKETING, MARKETING, SDR, DISCOVERY, EVALUATION, CUSTOMER), dtype=np.int64)
    return np.where(stage == 4, by_deal[deal_stage], by_stage[np.maximum(stage, 0)])
