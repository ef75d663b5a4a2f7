-- Started social logins (OAuth state): written when a login starts, the
-- provider's code recorded by the redirect, deleted by the sign-in that
-- completes it. Shared by every replica; pruned after expiry.
CREATE TABLE social_states (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    provider       TEXT NOT NULL,
    code_verifier  TEXT NOT NULL DEFAULT '',
    nonce          TEXT NOT NULL DEFAULT '',
    binding_hash   TEXT NOT NULL DEFAULT '',
    redirect_url   TEXT NOT NULL DEFAULT '',
    return_url     TEXT NOT NULL DEFAULT '',
    code           TEXT NOT NULL DEFAULT '',
    user_name      TEXT NOT NULL DEFAULT '',
    expires_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX social_states_expiry ON social_states(expires_at);
