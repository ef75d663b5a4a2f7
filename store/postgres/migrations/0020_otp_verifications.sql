-- One-time codes sent by email or SMS. A verification holds only the
-- HMAC of its live code; attempts counts the codes tried against it, in
-- the same conditional UPDATE that checks one, so the limit holds under
-- concurrent guesses. Rows are purged a day after they expire.
CREATE TABLE otp_verifications (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    channel        text NOT NULL,
    address        text NOT NULL,
    code_hash      text NOT NULL,
    attempts       integer NOT NULL DEFAULT 0,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL,
    consumed_at    timestamptz
);
CREATE INDEX otp_verifications_expiry ON otp_verifications(expires_at);
