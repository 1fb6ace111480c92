-- The county dashboard counts a period's opinions by channel, category, status and
-- collector; this index holds every column those counts read, so they never touch the rows.
CREATE INDEX opinions_stats ON opinions (created_at, collector_id, status, channel, category);
