"""Delivery of a simulation's CRM rows to sinks (signed webhooks, HubSpot): see docs/sinks.md.

models      Sink, SimulationSink, SlotDelivery (per slot and sink watermark), DeadLetter
secrets     Fernet encryption of sink secrets at rest (CRMSIM_SECRETS_KEY)
targets     URL checks: http(s) only, private/loopback targets gated by CRMSIM_ALLOW_PRIVATE_SINKS
events      a slot's events for a simulated-time range, regenerated from the engine (pure, deterministic)
prefetch    the drain's next ranges regenerated in a forked helper process while this one sends
registry    the sink interface and the kind -> implementation table
webhook     Standard Webhooks sink;  hubspot: HubSpot sink (official client, batch upserts)
services    the writes, re-exported from: configure (sink CRUD, linking sinks to a simulation),
            deliver (deliver_slot), ledger (watermark, retries, dead letters under a claim), replay
selectors   per-sink progress (delivered, failed, dead-lettered, lag)
drivers     who runs deliveries: the in-process runner's pass and the Celery dispatcher's
"""
