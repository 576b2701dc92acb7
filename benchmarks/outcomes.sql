-- psql -v sim=<simulation id> -f benchmarks/outcomes.sql: issue 14's "Outcomes are independent of everything"
-- figures (and the sales manager's questions: which rep, team, product; month by month) on a PostgreSQL run.
\echo '1. won vs lost: median amount and cycle (closed deals)'
SELECT is_won, count(*) AS deals,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY amount_cents / 100.0)::numeric, 0) AS median_amount,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - created_at) / 86400)::numeric, 1) AS median_cycle_days
FROM crm_deal WHERE simulation_id = :sim AND closed_at IS NOT NULL GROUP BY is_won ORDER BY is_won;
\echo '2. r(amount, cycle) over closed deals (raw and log)'
SELECT round(corr(amount_cents, extract(epoch FROM closed_at - created_at))::numeric, 3) AS r_raw,
       round(corr(ln(amount_cents), ln(extract(epoch FROM closed_at - created_at)))::numeric, 3) AS r_log
FROM crm_deal WHERE simulation_id = :sim AND closed_at IS NOT NULL;
\echo '3. r(amount, company employees) over deals of companies with a head count (raw and log)'
SELECT count(*) AS deals, round(corr(d.amount_cents, c.employees)::numeric, 3) AS r_raw,
       round(corr(ln(d.amount_cents), ln(c.employees))::numeric, 3) AS r_log
FROM crm_deal d JOIN crm_company c ON c.simulation_id = d.simulation_id AND c.key = d.company_key
WHERE d.simulation_id = :sim AND c.employees > 0;
\echo '3b. median cycle (closed) and amount by company size band'
SELECT CASE WHEN c.employees < 20 THEN '1: <20' WHEN c.employees < 100 THEN '2: 20-99' WHEN c.employees < 1000 THEN '3: 100-999' ELSE '4: 1000+' END AS band,
       count(*) AS deals, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY d.amount_cents / 100.0)::numeric, 0) AS median_amount,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.closed_at - d.created_at) / 86400) FILTER (WHERE d.closed_at IS NOT NULL))::numeric, 1) AS median_cycle_days
FROM crm_deal d JOIN crm_company c ON c.simulation_id = d.simulation_id AND c.key = d.company_key
WHERE d.simulation_id = :sim AND c.employees > 0 GROUP BY 1 ORDER BY 1;
\echo '4. per-owner win rate (owners with >= 30 closed deals): spread'
WITH o AS (SELECT owner_key, count(*) AS n, avg(is_won::int) AS rate FROM crm_deal
           WHERE simulation_id = :sim AND closed_at IS NOT NULL GROUP BY owner_key HAVING count(*) >= 30)
SELECT count(*) AS owners, round(min(rate)::numeric, 3) AS lowest, round(max(rate)::numeric, 3) AS highest,
       round(stddev_samp(rate)::numeric, 3) AS sd, round(avg(sqrt(rate * (1 - rate) / n))::numeric, 3) AS binomial_se
FROM o;
\echo '4b. win rate by team (closed deals)'
SELECT w.team, count(*) AS closed, round(avg(d.is_won::int)::numeric, 3) AS win_rate,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.closed_at - d.created_at) / 86400)::numeric, 1) AS median_cycle_days
FROM crm_deal d JOIN crm_owner w ON w.simulation_id = d.simulation_id AND w.key = d.owner_key
WHERE d.simulation_id = :sim AND d.closed_at IS NOT NULL GROUP BY w.team ORDER BY w.team;
\echo '5. per-product win rate and median cycle (closed deals)'
SELECT regexp_replace(regexp_replace(name, ' - Expansion$', ''), '^.* - ', '') AS product, count(*) AS closed,
       round(avg(is_won::int)::numeric, 3) AS win_rate,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - created_at) / 86400)::numeric, 1) AS median_cycle_days
FROM crm_deal WHERE simulation_id = :sim AND closed_at IS NOT NULL GROUP BY 1 ORDER BY win_rate DESC;
\echo '6. win rate by close month and quarter'
SELECT to_char(closed_at, 'YYYY-MM') AS month, count(*) AS closed, round(avg(is_won::int)::numeric, 3) AS win_rate
FROM crm_deal WHERE simulation_id = :sim AND closed_at IS NOT NULL GROUP BY 1 ORDER BY 1;
\echo '7. quarter-end discounting: discount read back from the amount (products sold 1-3 at a time: discount = 1 - amount / (price x ceil(amount / price)))'
WITH price(product, list) AS (VALUES ('Analytics platform (Growth)', 12000), ('Analytics platform (Enterprise)', 48000),
       ('Onboarding package', 7500), ('Premium support (annual)', 9000),
       ('Accessory kit', 79), ('Installation service', 199), ('Extended warranty', 299), ('Essentials bundle', 499),
       ('Smart home starter set', 899), ('Premium bundle', 1299), ('Family plan (2 years)', 2399),
       ('Complete home package', 3999), ('Whole-home pro package', 7499)),
d AS (SELECT closed_at, amount_cents / 100.0 AS amount, p.list,
             closed_at::date >= (date_trunc('quarter', closed_at) + interval '3 months')::date - 21 AS quarter_end
      FROM crm_deal JOIN price p ON p.product = regexp_replace(regexp_replace(name, ' - Expansion$', ''), '^.* - ', '')
      WHERE simulation_id = :sim AND closed_at IS NOT NULL)
SELECT quarter_end, count(*) AS closes,
       round(avg(1 - amount / (list * ceil(amount / list - 1e-9)))::numeric, 4) AS mean_discount,
       round(avg((1 - amount / (list * ceil(amount / list - 1e-9)) >= 0.0999)::int)::numeric, 3) AS share_at_least_10pct
FROM d GROUP BY quarter_end ORDER BY quarter_end;
