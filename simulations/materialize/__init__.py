"""From the engine's slot data to CRM rows: cut a slot's batch for a time range (``batches``), write it
(``writers``: COPY on PostgreSQL, bulk inserts elsewhere), all under one slot lock (``slot``)."""
