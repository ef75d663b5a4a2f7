-- One-time codes sent by email or SMS. A verification holds only the
-- HMAC of its live code; attempts counts the codes tried against it, in
-- the same conditional UPDATE that checks one, so the limit holds under
-- concurrent guesses. Rows are purged a day after they expire.
CREATE TABLE otp_verifications (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    channel        TEXT NOT NULL,
    address        TEXT NOT NULL,
    code_hash      TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    expires_at     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    consumed_at    TEXT
) WITHOUT ROWID;
CREATE INDEX otp_verifications_expiry ON otp_verifications(expires_at);
