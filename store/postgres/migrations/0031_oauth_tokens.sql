-- Provider tokens of social accounts (oauth credentials), sealed with the
-- master secret's box; replaced by each sign-in or link with the account
-- and by a refresh; gone with the credential.
CREATE TABLE oauth_tokens (
    credential_id  text PRIMARY KEY REFERENCES verified_credentials(id) ON DELETE CASCADE,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    access_token   bytea NOT NULL,
    refresh_token  bytea,
    expires_at     timestamptz,
    updated_at     timestamptz NOT NULL
);
