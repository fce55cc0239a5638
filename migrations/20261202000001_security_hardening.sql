-- Security hardening (issue #10): browsers that have signed in before, and a durable queue of
-- work that must happen after a commit.

-- A browser that signed in successfully gets a random device token in a cookie; only its
-- SHA-256 is kept. A known browser is the "proven-good signal" that lets its owner past an
-- automatic lock that strangers set off by guessing (server::devices, server::lockout).
CREATE TABLE known_devices (
    id           UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BYTEA       NOT NULL,
    browser      TEXT        NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT known_devices_token_hash_unique UNIQUE (token_hash)
);
CREATE INDEX idx_known_devices_user ON known_devices (user_id, last_used_at DESC);

-- Work that must follow a committed change even if Redis or a mail server is down at that
-- moment: written in the change's own transaction, done at once when possible, retried with
-- backoff by a worker on every node otherwise (server::outbox). `payload` is the job as JSON.
CREATE TABLE outbox (
    id              BIGSERIAL   PRIMARY KEY,
    kind            VARCHAR(40) NOT NULL,
    payload         JSONB       NOT NULL,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_outbox_due ON outbox (next_attempt_at, id);
