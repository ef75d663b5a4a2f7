-- Started social logins (OAuth state): written when a login starts, the
-- provider's code recorded by the redirect, deleted by the sign-in that
-- completes it. Shared by every replica; pruned after expiry.
CREATE TABLE social_states (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    provider       text NOT NULL,
    code_verifier  text NOT NULL DEFAULT '',
    nonce          text NOT NULL DEFAULT '',
    binding_hash   text NOT NULL DEFAULT '',
    redirect_url   text NOT NULL DEFAULT '',
    return_url     text NOT NULL DEFAULT '',
    code           text NOT NULL DEFAULT '',
    user_name      text NOT NULL DEFAULT '',
    expires_at     timestamptz NOT NULL
);
CREATE INDEX social_states_expiry ON social_states(expires_at);
