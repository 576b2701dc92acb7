"""Issue 13's rules: owners, accounts and households, committees, HubSpot properties, engagements, gaps, pools.

Two half-year datasets (B2B and B2C, same seed). Statistical checks use 4 binomial standard errors at the
realized sample size; structural rules are checked on every row.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from simulations.engine import build_plan
from simulations.engine.catalog import (
    BLANK_RATES,
    CALL_DISPOSITIONS,
    DISCOUNTS,
    INDUSTRIES,
    LEAD_STATUSES,
    OPEN_STAGES,
    PRICE_BOOKS,
    SELLER,
    SOURCES,
    STAGE_PROBABILITY,
    TASK_STATUSES,
)
from simulations.engine.records import company_domains

from .support import DAY, concat, generate_by_slot, make_inputs

TYPES = (
    "owners",
    "companies",
    "contacts",
    "deals",
    "deal_contacts",
    "activities",
    "lifecycle_events",
    "deal_stage_events",
)
Dataset = dict[str, dict[str, np.ndarray]]


def _dataset(scenario: str) -> Dataset:
    inputs = make_inputs(scenario, records=20_000, days=181, seed=7)
    slots = generate_by_slot(inputs)
    data = {t: concat(slots, t) for t in TYPES}
    # Owners and companies are offered by several slots: keep one row per key.
    for t in ("owners", "companies"):
        _, first = np.unique(data[t]["key"], return_index=True)
        data[t] = {name: column[first] for name, column in data[t].items()}
    data["inputs"] = {"end": np.array([inputs.end])}
    return data


@pytest.fixture(scope="module")
def b2b() -> Dataset:
    return _dataset("b2b")


@pytest.fixture(scope="module")
def b2c() -> Dataset:
    return _dataset("b2c")


def _within(realized: float, expected: float, n: int) -> bool:
    return abs(realized - expected) <= 4 * math.sqrt(max(expected * (1 - expected), 1e-9) / n) + 1e-12


def _end(data: Dataset) -> int:
    return int(data["inputs"]["end"][0])


# --- owners ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_every_owner_referenced_exists_and_mails_on_the_sellers_domain(scenario, request):
    data = request.getfixturevalue(scenario)
    owners = data["owners"]
    assert owners["key"].tolist() == list(range(owners["key"].size))
    assert 4 <= owners["key"].size <= 80
    assert all(e.endswith("@" + SELLER[scenario][1]) for e in owners["email"])
    assert np.unique(owners["email"]).size == owners["email"].size
    assert set(owners["role"]) == {"Account Executive", "Sales Manager"} if scenario == "b2b" else True
    for record_type in ("companies", "contacts", "deals", "activities"):
        assert np.isin(data[record_type]["owner_key"], owners["key"]).all(), record_type
    managers = owners["key"][np.isin(owners["role"], ["Sales Manager", "Sales Team Lead"])]
    assert not np.isin(data["companies"]["owner_key"], managers).any(), "accounts belong to reps"


def test_deals_and_contacts_are_mostly_owned_by_the_accounts_owner(b2b):
    account_owner = dict(zip(b2b["companies"]["key"].tolist(), b2b["companies"]["owner_key"].tolist(), strict=True))
    for record_type, expected in (("contacts", 0.94), ("deals", 0.92)):
        rows = b2b[record_type]
        same = np.array([account_owner[c] == o for c, o in zip(rows["company_key"], rows["owner_key"], strict=True)])
        assert _within(same.mean(), expected, same.size) or same.mean() > expected, record_type
        assert same.mean() < 1.0, "some records were reassigned"


def test_companies_in_a_territory_are_spread_round_robin_over_its_reps(b2b):
    companies, owners = b2b["companies"], b2b["owners"]
    team = dict(zip(owners["key"].tolist(), owners["team"].tolist(), strict=True))
    for country in np.unique(companies["country"]):
        owned = companies["owner_key"][companies["country"] == country]
        assert len({team[o] for o in owned.tolist()}) == 1, "one territory per country"
        counts = np.bincount(owned)[np.unique(owned)]
        assert counts.max() - counts.min() <= 1


# --- accounts, deals and committees --------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_an_account_never_has_two_deals_open_at_once(scenario, request):
    data = request.getfixturevalue(scenario)
    deals = data["deals"]
    closes = np.where(deals["closed_at"] >= 0, deals["closed_at"], _end(data))
    order = np.lexsort((deals["created_at"], deals["company_key"]))
    company, created, closed = deals["company_key"][order], deals["created_at"][order], closes[order]
    same = company[1:] == company[:-1]
    assert (created[1:][same] >= closed[:-1][same]).all()


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_existingbusiness_deals_come_only_after_a_win_at_the_account(scenario, request):
    deals = request.getfixturevalue(scenario)["deals"]
    won = deals["is_won"] == 1
    first_win = {}
    for company, closed in zip(deals["company_key"][won].tolist(), deals["closed_at"][won].tolist(), strict=True):
        first_win[company] = min(first_win.get(company, closed), closed)
    after_win = np.array(
        [first_win.get(c, 2**62) <= t for c, t in zip(deals["company_key"], deals["created_at"], strict=True)]
    )
    existing = deals["deal_type"] == "existingbusiness"
    assert (existing == after_win).all()
    if scenario == "b2b":
        assert existing.sum() > 0


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_committees_have_one_primary_the_opener_and_members_of_the_account(scenario, request):
    data = request.getfixturevalue(scenario)
    deals, members, contacts = data["deals"], data["deal_contacts"], data["contacts"]
    assert set(np.unique(members["deal_key"])) == set(deals["key"])
    primary = members["is_primary"] == 1
    assert np.unique(members["deal_key"][primary]).size == deals["key"].size == primary.sum()
    assert (members["contact_key"][primary] == deals["contact_key"]).all()
    company_of = contacts["company_key"]
    deal_company = dict(zip(deals["key"].tolist(), deals["company_key"].tolist(), strict=True))
    assert all(
        company_of[c] == deal_company[d] for d, c in zip(members["deal_key"], members["contact_key"], strict=True)
    )
    sizes = np.bincount(np.searchsorted(deals["key"], members["deal_key"]))
    low, high = (1, 7) if scenario == "b2b" else (1, 2)
    assert sizes.min() >= low and sizes.max() <= high
    if scenario == "b2b":
        assert sizes.mean() > 2.0, "B2B deals have buying committees"
        roles = members["role"]
        assert set(roles[primary]) <= {"champion", "decision_maker"}
        assert "decision_maker" in set(roles) and "influencer" in set(roles)
    else:
        assert set(members["role"]) <= {"buyer", "household_member"}


def test_contacts_qualifying_while_their_account_has_an_open_deal_join_it(b2b):
    """Every opportunity is on exactly one deal; joiners are associated at their own opportunity moment."""
    lifecycle, members = b2b["lifecycle_events"], b2b["deal_contacts"]
    opportunity = lifecycle["contact_key"][lifecycle["to_stage"] == "opportunity"]
    plan = build_plan(make_inputs("b2b", records=20_000, days=181, seed=7))
    deal_of = plan.deal_of[opportunity]
    assert (deal_of >= 0).all()
    joiners = opportunity[deal_of != opportunity]
    assert joiners.size > 0
    pairs = set(zip(members["deal_key"].tolist(), members["contact_key"].tolist(), strict=True))
    assert all((int(plan.deal_of[j]), int(j)) in pairs for j in joiners)


# --- B2C households ----------------------------------------------------------------------------------------


def test_b2c_accounts_are_households_without_firmographics_or_titles(b2c):
    companies, contacts = b2c["companies"], b2c["contacts"]
    assert set(companies["kind"]) == {"household"}
    assert set(companies["industry"]) == {""} and set(companies["domain"]) == {""}
    assert (companies["employees"] == -1).all() and (companies["annual_revenue"] == -1).all()
    assert set(contacts["job_title"]) == {""}


def test_household_members_mostly_share_a_last_name(b2c):
    contacts = b2c["contacts"]
    company, last = contacts["company_key"], contacts["last_name"]
    sizes = np.bincount(company)
    pairs = np.flatnonzero(sizes == 2)
    members = np.flatnonzero(np.isin(company, pairs))
    first, second = members[np.argsort(company[members], kind="stable")].reshape(-1, 2).T
    shared = (last[first] == last[second]).mean()
    assert shared > 0.8, shared
    names = b2c["companies"]["name"]
    assert all(n.endswith(" household") for n in names[:100])


def test_the_b2c_pipeline_is_short_and_never_reaches_contracts(b2c):
    stages = set(b2c["deal_stage_events"]["to_stage"])
    assert stages <= {*OPEN_STAGES["b2c"], "closedwon", "closedlost"}
    assert {"contractsent", "decisionmakerboughtin"}.isdisjoint(stages)
    assert set(b2c["deals"]["pipeline"]) == {"consumer"}


# --- HubSpot properties ------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_contact_and_deal_properties_use_hubspots_values(scenario, request):
    data = request.getfixturevalue(scenario)
    contacts, deals = data["contacts"], data["deals"]
    assert set(contacts["lead_status"]) <= {"", *LEAD_STATUSES}
    assert set(contacts["source"]) <= set(SOURCES) and len(set(contacts["source"])) == len(SOURCES)
    assert set(deals["deal_type"]) <= {"newbusiness", "existingbusiness"}
    assert all(STAGE_PROBABILITY[s] == p for s, p in zip(deals["dealstage"], deals["probability"], strict=True))
    open_ = deals["closed_at"] < 0
    assert (deals["close_date"][~open_] == deals["closed_at"][~open_]).all(), "actual close date once closed"
    assert (deals["close_date"][open_] > deals["created_at"][open_]).all(), "expected close date while open"
    assert (deals["close_date"][open_] % DAY == 0).all()
    lost = deals["is_won"] == 0
    assert (deals["lost_reason"][~lost] == "").all() and (deals["lost_reason"][lost] != "").mean() > 0.4
    assert set(data["companies"]["industry"]) <= {"", *INDUSTRIES}


def test_lead_status_follows_the_lifecycle(b2b):
    contacts = b2b["contacts"]
    status, stage = contacts["lead_status"], contacts["lifecycle_stage"]
    assert set(status[stage == "opportunity"]) <= {"OPEN_DEAL", ""}
    assert set(status[stage == "subscriber"]) <= {"NEW", "UNQUALIFIED", ""}
    assert "UNQUALIFIED" in set(status) and "BAD_TIMING" in set(status)


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_amounts_are_quantity_times_list_price_times_discount(scenario, request):
    deals = request.getfixturevalue(scenario)["deals"]
    prices = {p.name: p for p in PRICE_BOOKS[scenario]}
    fits = 0
    for name, cents in zip(deals["name"], deals["amount_cents"], strict=True):
        product = prices[name.split(" - ")[1]]
        quantities = [cents / (product.price * (1 - d) * 100) for d in DISCOUNTS[scenario]]
        fits += any(abs(q - round(q)) < 1e-6 and 1 <= round(q) <= product.most for q in quantities)
    assert fits / deals["key"].size > 0.99, "all but the deals clipped at the scenario's min/max"


def test_bigger_deals_win_less_often_but_the_base_rate_holds(b2b):
    deals = b2b["deals"]
    closed = deals["is_won"] >= 0
    amount, won = deals["amount_cents"][closed], deals["is_won"][closed] == 1
    median = np.median(amount)
    assert won[amount <= median].mean() > won[amount > median].mean()


# --- engagements -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_all_five_engagement_types_carry_their_fields(scenario, request):
    a = request.getfixturevalue(scenario)["activities"]
    kinds = a["type"]
    assert set(kinds) == {"note", "task", "call", "email", "meeting"}
    note, task, call, email, meeting = (kinds == k for k in ("note", "task", "call", "email", "meeting"))
    assert (a["body"][note] != "").all()
    assert set(a["status"][task]) <= set(TASK_STATUSES) and (a["due_at"][task] > a["occurred_at"][task]).all()
    assert set(a["priority"][task]) <= {"HIGH", "MEDIUM", "LOW", "NONE"} and (a["priority"][~task] == "").all()
    assert set(a["direction"][call]) == {"OUTBOUND", "INBOUND"} and set(a["status"][call]) <= set(CALL_DISPOSITIONS)
    assert (a["duration_seconds"][call] >= 0).all()
    assert set(a["direction"][email]) == {"EMAIL", "INCOMING_EMAIL"} and (a["body"][email] != "").all()
    assert set(a["duration_seconds"][meeting] // 60) <= {15, 30, 45, 60}
    assert set(a["status"][meeting]) <= {"COMPLETED", "NO_SHOW", "RESCHEDULED", "CANCELED"}
    assert (a["due_at"][~task] == -1).all() and (a["duration_seconds"][note | task | email] == -1).all()
    assert (a["direction"][note | task | meeting] == "").all()
    assert (a["deal_key"][meeting] >= 0).all(), "meetings happen on deals"
    texts = np.concatenate([a["subject"], a["body"]])
    assert not any("{" in t or "\t" in t or "\n" in t for t in texts)


def test_b2b_engagements_are_fewer_but_richer_than_b2c(b2b, b2c):
    def per_lead(d: Dataset) -> float:
        return d["activities"]["key"].size / d["contacts"]["key"].size

    def body_length(d: Dataset, kind: str) -> float:
        return float(np.mean([len(b) for b in d["activities"]["body"][d["activities"]["type"] == kind]]))

    assert per_lead(b2b) < per_lead(b2c)
    for kind in ("note", "email"):
        assert body_length(b2b, kind) > 1.5 * body_length(b2c, kind), kind
    assert body_length(b2b, "call") > body_length(b2c, "call")
    calls_b2b = b2b["activities"]["duration_seconds"][b2b["activities"]["status"] == "connected"]
    calls_b2c = b2c["activities"]["duration_seconds"][b2c["activities"]["status"] == "connected"]
    assert np.median(calls_b2b) > np.median(calls_b2c)


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_activities_belong_to_their_contacts_company_and_the_right_owner(scenario, request):
    data = request.getfixturevalue(scenario)
    a, contacts, deals = data["activities"], data["contacts"], data["deals"]
    assert (a["company_key"] == contacts["company_key"][a["contact_key"]]).all()
    on_deal = a["deal_key"] >= 0
    deal_owner = dict(zip(deals["key"].tolist(), deals["owner_key"].tolist(), strict=True))
    assert all(deal_owner[d] == o for d, o in zip(a["deal_key"][on_deal], a["owner_key"][on_deal], strict=True))
    assert (a["owner_key"][~on_deal] == contacts["owner_key"][a["contact_key"][~on_deal]]).all()


# --- gaps and value pools ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_optional_fields_are_blank_at_their_documented_rates(scenario, request):
    data = request.getfixturevalue(scenario)
    rates = BLANK_RATES[scenario]
    checks = {
        "contacts.phone": data["contacts"]["phone"] == "",
        "contacts.job_title": data["contacts"]["job_title"] == "",
        "contacts.country": data["contacts"]["country"] == "",
        "companies.industry": data["companies"]["industry"] == "",
        "companies.employees": data["companies"]["employees"] == -1,
        "companies.annual_revenue": data["companies"]["annual_revenue"] == -1,
        "companies.domain": data["companies"]["domain"] == "",
        "companies.city": data["companies"]["city"] == "",
    }
    for field, blank in checks.items():
        assert _within(float(blank.mean()), rates[field], blank.size), (field, blank.mean())
    assert (data["contacts"]["timezone"] == "").mean() == (data["contacts"]["country"] == "").mean()
    for field in ("first_name", "last_name", "email", "source", "lifecycle_stage"):
        assert (data["contacts"][field] != "").all(), field


def test_b2b_firmographics_hang_together(b2b):
    companies, contacts = b2b["companies"], b2b["contacts"]
    assert np.unique(companies["name"]).size == companies["name"].size
    domains = company_domains(build_plan(make_inputs("b2b", records=20_000, days=181, seed=7)), companies["key"])
    assert np.unique(domains).size == domains.size and not any(re.search(r"\d", d) for d in domains)
    known = (companies["employees"] > 0) & (companies["annual_revenue"] > 0)
    correlation = np.corrcoef(np.log(companies["employees"][known]), np.log(companies["annual_revenue"][known]))
    assert correlation[0, 1] > 0.8
    tld = {"US": (".com", ".io", ".co"), "GB": (".co.uk", ".com"), "DE": (".de", ".com"), "FR": (".fr", ".com")}
    assert all(d.endswith(tld[c]) for d, c in zip(domains, companies["country"], strict=True))
    titles = contacts["job_title"][contacts["job_title"] != ""]
    assert any("Director" in t for t in titles) and any(t.startswith("Chief ") for t in titles)


@pytest.mark.parametrize("scenario", ["b2b", "b2c"])
def test_phones_are_valid_for_their_country(scenario, request):
    phones = request.getfixturevalue(scenario)["contacts"]["phone"]
    phones = phones[phones != ""]
    patterns = (
        r"\+1 [2-9]\d\d-[2-9]\d\d-\d{4}",
        r"\+44 (20 [2-9]\d{3} \d{4}|1\d\d [2-9]\d\d \d{4}|7[4-9][2-9]\d \d{6})",
        r"\+49 (\d{2,3} [2-9]\d{6,7}|1[5-7]\d [2-9]\d{7})",
        r"\+33 [1-7] [2-9]\d( \d\d){3}",
    )
    assert all(any(re.fullmatch(p, phone) for p in patterns) for phone in phones)
    us = [p for p in phones if p.startswith("+1 ")]
    assert not any(re.match(r"\+1 (\d11|555)-|\+1 \d{3}-(\d11|555)-", p) for p in us)


def test_no_internal_key_shows_in_any_value(b2c):
    contacts = b2c["contacts"]
    big = contacts["key"] >= 1000  # suffixes are below 1000 by construction
    for field in ("email", "phone"):
        values = contacts[field][big]
        keys = contacts["key"][big]
        assert not any(str(k) in re.findall(r"\d+", v.split("@")[0]) for k, v in zip(keys, values, strict=True))
    assert np.unique(contacts["email"]).size == contacts["email"].size


def test_the_same_seed_gives_b2b_and_b2c_different_people(b2b, b2c):
    a, b = b2b["contacts"], b2c["contacts"]
    n = min(a["key"].size, b["key"].size)
    assert (a["phone"][:n] == b["phone"][:n])[a["phone"][:n] != ""].mean() == 0.0
    assert (a["last_name"][:n] == b["last_name"][:n]).mean() < 0.02
    assert (a["first_name"][:n] == b["first_name"][:n]).mean() < 0.02
