-- Issue 14's "Clocks are in UTC" figures and the holiday-season rates, on one written simulation (PostgreSQL):
--     psql "$DATABASE_URL" -v sim=ID -f benchmarks/localtime_figures.sql
-- A row's local time is its contact's time zone, or its company's when the contact's is blank (a gap); rows
-- with neither are left out of the local figures. "Rep actions" are notes, tasks, meetings and outbound calls.
-- Run ANALYZE on the crm_ tables first after a fresh run (without statistics the planner may pick nested loops).

\echo '--- arrivals (contacts.created_at)'
WITH c AS (
    SELECT ct.created_at AS t, COALESCE(NULLIF(ct.timezone, ''), NULLIF(co.timezone, '')) AS tz
    FROM crm_contact ct
    LEFT JOIN crm_company co ON co.simulation_id = ct.simulation_id AND co.key = ct.company_key
    WHERE ct.simulation_id = :sim
), l AS (
    SELECT t, tz,
        t AT TIME ZONE 'UTC' AS utc,
        t AT TIME ZONE 'America/New_York' AS eastern,
        t AT TIME ZONE 'America/Los_Angeles' AS pacific,
        CASE WHEN tz IS NOT NULL THEN t AT TIME ZONE tz END AS loc
    FROM c
)
SELECT
    count(*) AS arrivals,
    round(100.0 * avg((extract(isodow FROM eastern) < 6 AND extract(hour FROM eastern) BETWEEN 9 AND 16)::int), 1)
        AS "US-Eastern 09-17 Mon-Fri %",
    round(100.0 * avg((extract(isodow FROM pacific) < 6 AND extract(hour FROM pacific) BETWEEN 9 AND 16)::int), 1)
        AS "Pacific 09-17 Mon-Fri %",
    round(100.0 * avg((extract(isodow FROM loc) < 6 AND extract(hour FROM loc) BETWEEN 9 AND 16)::int), 1)
        AS "local 09-17 Mon-Fri %",
    round((count(*) FILTER (WHERE extract(isodow FROM utc) IN (1, 5)) / 2.0)
        / (count(*) FILTER (WHERE extract(isodow FROM utc) IN (2, 3, 4)) / 3.0), 3) AS "Fri+Mon vs Tue-Thu (UTC)",
    round((count(*) FILTER (WHERE extract(isodow FROM loc) IN (1, 5)) / 2.0)
        / (count(*) FILTER (WHERE extract(isodow FROM loc) IN (2, 3, 4)) / 3.0), 3) AS "Fri+Mon vs Tue-Thu (local)",
    round(100.0 * avg((extract(isodow FROM loc) > 5)::int), 1) AS "local weekend %",
    round(100.0 * avg((extract(isodow FROM utc) > 5)::int), 1) AS "UTC weekend %",
    round(100.0 * avg((extract(hour FROM loc) >= 18)::int), 1) AS "local 18-24 %"
FROM l;

\echo '--- activities: weekends and nights'
WITH a AS (
    SELECT a.occurred_at AS t, a.type, a.direction,
        COALESCE(NULLIF(ct.timezone, ''), NULLIF(co.timezone, '')) AS tz
    FROM crm_activity a
    JOIN crm_contact ct ON ct.simulation_id = a.simulation_id AND ct.key = a.contact_key
    LEFT JOIN crm_company co ON co.simulation_id = ct.simulation_id AND co.key = ct.company_key
    WHERE a.simulation_id = :sim
), l AS (
    SELECT *, t AT TIME ZONE 'UTC' AS utc, CASE WHEN tz IS NOT NULL THEN t AT TIME ZONE tz END AS loc,
        (type IN ('note', 'task', 'meeting') OR (type = 'call' AND direction = 'OUTBOUND')) AS rep
    FROM a
)
SELECT
    count(*) AS activities,
    round(100.0 * avg((extract(isodow FROM loc) > 5)::int), 1) AS "local weekend %",
    round(100.0 * avg((extract(hour FROM loc) < 6)::int), 1) AS "local 00-06 %",
    round(100.0 * avg((extract(isodow FROM utc) > 5)::int), 1) AS "UTC weekend %",
    round(100.0 * avg((extract(hour FROM utc) < 6)::int), 1) AS "UTC 00-06 %",
    round(100.0 * avg((extract(isodow FROM loc) > 5)::int) FILTER (WHERE rep), 1) AS "rep: local weekend %",
    round(100.0 * avg((extract(hour FROM loc) < 6)::int) FILTER (WHERE rep), 1) AS "rep: local 00-06 %"
FROM l;

\echo '--- closes in the last 3 days of a month (UTC)'
SELECT
    count(*) AS closes,
    round(100.0 * avg((closed_at::date > (date_trunc('month', closed_at) + interval '1 month')::date - 4)::int), 1)
        AS "last 3 days %"
FROM crm_deal
WHERE simulation_id = :sim AND closed_at IS NOT NULL;

\echo '--- holiday seasons: events per calendar day by the company country, local dates'
\echo '    aug = August / (Mar-Jul + Sep-Nov); dec = Dec 22-31 / (Nov 1 - Dec 21); NULL when the window lacks them'
WITH events AS (
    SELECT 'rep actions' AS what, co.country, a.occurred_at AT TIME ZONE co.timezone AS loc
    FROM crm_activity a
    JOIN crm_company co ON co.simulation_id = a.simulation_id AND co.key = a.company_key
    WHERE a.simulation_id = :sim AND co.timezone <> ''
        AND (a.type IN ('note', 'task', 'meeting') OR (a.type = 'call' AND a.direction = 'OUTBOUND'))
    UNION ALL
    SELECT 'arrivals', co.country, ct.created_at AT TIME ZONE co.timezone
    FROM crm_contact ct
    JOIN crm_company co ON co.simulation_id = ct.simulation_id AND co.key = ct.company_key
    WHERE ct.simulation_id = :sim AND co.timezone <> ''
    UNION ALL
    SELECT 'closes', co.country, d.closed_at AT TIME ZONE co.timezone
    FROM crm_deal d
    JOIN crm_company co ON co.simulation_id = d.simulation_id AND co.key = d.company_key
    WHERE d.simulation_id = :sim AND d.closed_at IS NOT NULL AND co.timezone <> ''
), y AS (
    SELECT what, country, extract(month FROM loc) AS m, extract(day FROM loc) AS d FROM events
    WHERE extract(year FROM loc) = 2026
)
SELECT what, country,
    round((count(*) FILTER (WHERE m = 8) / 31.0)
        / NULLIF(count(*) FILTER (WHERE m IN (3, 4, 5, 6, 7, 9, 10, 11)) / 245.0, 0), 2) AS aug,
    round((count(*) FILTER (WHERE m = 12 AND d >= 22) / 10.0)
        / NULLIF(count(*) FILTER (WHERE m = 11 OR (m = 12 AND d < 22)) / 51.0, 0), 2) AS dec,
    count(*) FILTER (WHERE m = 8) AS n_aug,
    count(*) FILTER (WHERE m = 12 AND d >= 22) AS n_dec
FROM y
GROUP BY what, country
ORDER BY what, country;
