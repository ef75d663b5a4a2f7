-- Provider tokens of social accounts (oauth credentials), sealed with the
-- master secret's box; replaced by each sign-in or link with the account
-- and by a refresh; gone with the credential.
CREATE TABLE oauth_tokens (
    credential_id  TEXT PRIMARY KEY REFERENCES verified_credentials(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    access_token   BLOB NOT NULL,
    refresh_token  BLOB,
    expires_at     TEXT,
    updated_at     TEXT NOT NULL
) WITHOUT ROWID;
