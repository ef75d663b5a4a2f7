-- MFA devices (TOTP seeds sealed by the server key), recovery codes as
-- keyed hashes, the per-user wrong-code window, and passkeys with their
-- one-time WebAuthn challenges.
CREATE TABLE mfa_devices (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type           TEXT NOT NULL,
    alias          TEXT NOT NULL DEFAULT '',
    secret         BLOB NOT NULL,
    is_default     INTEGER NOT NULL DEFAULT 0,
    last_step      INTEGER,
    created_at     TEXT NOT NULL,
    verified_at    TEXT
) WITHOUT ROWID;
CREATE INDEX mfa_devices_user ON mfa_devices(user_id, created_at);

CREATE TABLE mfa_recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,
    created_at TEXT NOT NULL,
    used_at    TEXT,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;

CREATE TABLE mfa_attempts (
    user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    attempts     INTEGER NOT NULL,
    window_start TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE passkey_challenges (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    challenge      TEXT NOT NULL,
    user_id        TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL,
    session        BLOB NOT NULL,
    expires_at     TEXT NOT NULL,
    PRIMARY KEY (environment_id, challenge)
) WITHOUT ROWID;
CREATE INDEX passkey_challenges_expiry ON passkey_challenges(expires_at);

CREATE TABLE passkeys (
    id                     TEXT PRIMARY KEY,
    environment_id         TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id                TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    verified_credential_id TEXT NOT NULL REFERENCES verified_credentials(id) ON DELETE CASCADE,
    credential_id          BLOB NOT NULL,
    credential             BLOB NOT NULL,
    sign_count             INTEGER NOT NULL DEFAULT 0,
    alias                  TEXT NOT NULL DEFAULT '',
    origin                 TEXT NOT NULL DEFAULT '',
    user_agent             TEXT NOT NULL DEFAULT '',
    created_at             TEXT NOT NULL,
    updated_at             TEXT,
    UNIQUE (environment_id, credential_id)
) WITHOUT ROWID;
CREATE INDEX passkeys_user ON passkeys(user_id, created_at);
CREATE INDEX passkeys_credential ON passkeys(verified_credential_id);

CREATE TABLE mfa_tokens (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,
    single_use INTEGER NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX mfa_tokens_expiry ON mfa_tokens(expires_at);
