-- Account recovery and e-mail (issue #11): verified addresses, one-time codes, and the admin's
-- "must change password at next sign-in".

-- When the address was last proven to reach its owner (a code or link from a mail sent to it).
-- Accounts from before this migration count as unverified, so their owners are asked once.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMPTZ;
-- Set by an admin (after handing out a recovery code, say): the next sign-in leads straight to
-- the password form, and nothing else opens until the password is changed.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT false;
-- Admins come from the command line, whose operator vouches for the address.
UPDATE users SET email_verified_at = created_at WHERE role = 'ADMIN';

-- Codes sent by e-mail (password reset, address verification, address change) or read out by
-- an admin over the phone (recovery). Only hashes are kept: SHA-256 of the row id and the code,
-- and of the link's random token. A newer code of the same purpose replaces an older one; a
-- used, expired or too-often-guessed code is kept a day so its owner hears why it no longer
-- works, then deleted.
CREATE TABLE one_time_codes (
    id              UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose         VARCHAR(30)  NOT NULL,
    code_hash       BYTEA        NOT NULL,
    link_hash       BYTEA,
    -- The address an e-mail change moves to, once confirmed.
    new_email       VARCHAR(255),
    failed_attempts INTEGER      NOT NULL DEFAULT 0,
    expires_at      TIMESTAMPTZ  NOT NULL,
    used_at         TIMESTAMPTZ,
    voided_at       TIMESTAMPTZ,
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT one_time_codes_purpose_check
        CHECK (purpose IN ('PASSWORD_RESET', 'EMAIL_VERIFICATION', 'EMAIL_CHANGE', 'ADMIN_RECOVERY')),
    CONSTRAINT one_time_codes_new_email_lower_case CHECK (new_email = lower(new_email))
);
CREATE INDEX idx_one_time_codes_user ON one_time_codes (user_id, purpose, created_at DESC);
CREATE UNIQUE INDEX idx_one_time_codes_link ON one_time_codes (link_hash) WHERE link_hash IS NOT NULL;
CREATE INDEX idx_one_time_codes_expiry ON one_time_codes (expires_at);

-- The admin table filters by verified address.
CREATE INDEX idx_users_unverified ON users (created_at DESC, id DESC) WHERE email_verified_at IS NULL;

ALTER TABLE admin_audit_log DROP CONSTRAINT admin_audit_log_action_check;
ALTER TABLE admin_audit_log ADD CONSTRAINT admin_audit_log_action_check
    CHECK (action IN ('SET_STATUS', 'SET_ROLE', 'END_SESSIONS', 'ISSUE_RECOVERY_CODE',
                      'REQUIRE_PASSWORD_CHANGE'));

-- The outbox worker on every node is woken when a job is committed, instead of waiting for its
-- next look (NOTIFY is delivered at commit, and only if the transaction commits).
CREATE FUNCTION outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER outbox_notify
    AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
