-- Tokens for the platform's other services (issue #12, server::tokens). A browser or an app
-- that asks for tokens gets a short-lived access token (a signed JWT, never stored) and a
-- refresh token, stored here as a SHA-256 digest only. Each use of a refresh token replaces
-- it with a new one of the same family; a replaced one used again ends the family (someone
-- else holds a copy). A family is a "token session": its id is the access tokens' `sid`.
CREATE TABLE token_families (
    id              UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The handle (never the id) of the browser session the tokens were asked for from: its
    -- logout ends the family. NULL for an app's sign-in with e-mail and password.
    browser_session UUID,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The absolute end (SESSION_MAX_LIFETIME after sign-in), however often it is refreshed.
    expires_at      TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ,
    revoked_reason  VARCHAR(40),
    CONSTRAINT token_families_revoked_reason_check CHECK (revoked_reason IN
        ('logout', 'access_revoked', 'refresh_token_reused', 'sessions_ended')),
    CONSTRAINT token_families_revoked_with_reason CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
-- A user's families (revocation, clean-up of expired ones) and a browser session's (logout).
CREATE INDEX idx_token_families_user ON token_families (user_id, expires_at);
CREATE INDEX idx_token_families_browser_session ON token_families (browser_session)
    WHERE browser_session IS NOT NULL AND revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash BYTEA       PRIMARY KEY,
    family_id  UUID        NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
    issued_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The idle end: unused for the role's idle timeout (OWNER_IDLE_TIMEOUT, ADMIN_IDLE_TIMEOUT),
    -- a refresh token expires, as a browser session would.
    expires_at TIMESTAMPTZ NOT NULL,
    -- When it was exchanged for its successor; presenting it again is reuse.
    used_at    TIMESTAMPTZ
);
CREATE INDEX idx_refresh_tokens_family ON refresh_tokens (family_id);
