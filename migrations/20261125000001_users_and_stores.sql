-- Users (owners and admins) and their stores, as in shared/design/user-service-erd.puml.
--
-- Deviations from the ERD, and why:
-- * Timestamps are TIMESTAMPTZ, not TIMESTAMP: an instant, unambiguous whatever the server's
--   time zone (the UI shows them in Korea time).
-- * Emails are stored lower-case (CHECK below), so the unique index on `email` makes them
--   unique regardless of case; the application lower-cases before every query.
-- Constraint and index names are part of the application's API: unique violations are mapped
-- to field errors by name (server::users).

-- Keeps updated_at honest for every UPDATE, whoever issues it.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE users (
    id            UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    name          VARCHAR(100) NOT NULL,
    phone_number  VARCHAR(20)  NOT NULL,
    email         VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role          VARCHAR(20)  NOT NULL,
    status        VARCHAR(20)  NOT NULL DEFAULT 'ACTIVE',
    last_login_at TIMESTAMPTZ,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT users_role_check   CHECK (role IN ('OWNER', 'ADMIN')),
    CONSTRAINT users_status_check CHECK (status IN ('ACTIVE', 'INACTIVE', 'LOCKED', 'WITHDRAWN')),
    CONSTRAINT users_email_lower_case CHECK (email = lower(email))
);

CREATE UNIQUE INDEX idx_users_email        ON users (email);
CREATE UNIQUE INDEX idx_users_phone_number ON users (phone_number);
CREATE INDEX        idx_users_status       ON users (status);

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE stores (
    id             UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        UUID         NOT NULL
                   REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
    name           VARCHAR(200) NOT NULL,
    industry       VARCHAR(100) NOT NULL,
    address        VARCHAR(500) NOT NULL,
    business_hours TEXT,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- One store per user at most (the 1:1 of the ERD).
CREATE UNIQUE INDEX idx_stores_user_id ON stores (user_id);

CREATE TRIGGER stores_set_updated_at
    BEFORE UPDATE ON stores
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
