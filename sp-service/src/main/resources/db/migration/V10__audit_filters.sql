-- The audit log is read newest first, filtered by actor, by event type or by time range
-- (the admin console's audit page): an index for each, each ending in the id it pages by.
CREATE INDEX audit_events_by_actor ON audit_events (actor, id);
CREATE INDEX audit_events_by_type ON audit_events (type, id);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at, id);
