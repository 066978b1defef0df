-- Outbound webhooks for a CRM. An admin registers endpoints; a change that an endpoint
-- listens for writes one event row, and a delivery row per listening endpoint, in the
-- transaction of the change (as the email outbox does), so an event is sent if and only if
-- its change was stored. The job runner claims deliveries with a lease, as it claims emails.

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The event types it receives, space-separated ("registration.approved dispute.raised").
    event_types TEXT NOT NULL,
    -- The signing secret, sealed (src/sealed.rs). After a rotation the previous one signs
    -- too until previous_secret_until, so a receiver can switch without losing events.
    secret_sealed TEXT NOT NULL,
    previous_secret_sealed TEXT,
    previous_secret_until TIMESTAMP,
    enabled BOOLEAN NOT NULL,
    -- Why Truce turned it off (failing for three days); empty when an admin did.
    disabled_reason TEXT,
    -- The first failed attempt since its last success; cleared by a success.
    failing_since TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_events (
    -- "msg_" and a time-ordered id: the webhook-id header, the same on every attempt.
    id TEXT PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    -- The record it is about (a registration, dispute or account id).
    subject_id TEXT NOT NULL,
    -- The JSON body, fixed when the change was stored.
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES webhook_events (id),
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
    -- queued, sending, delivered, retrying
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- Every attempt, for the endpoint's delivery log.
CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
    attempted_at TIMESTAMP NOT NULL,
    -- The HTTP status; absent when no answer came (refused, timed out, blocked address).
    status_code INTEGER,
    latency_ms INTEGER NOT NULL,
    -- The first bytes of the answer, as text.
    response_excerpt TEXT NOT NULL,
    error TEXT
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, attempted_at);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
