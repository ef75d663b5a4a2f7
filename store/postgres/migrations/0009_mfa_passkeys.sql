-- MFA devices (TOTP seeds sealed by the server key), recovery codes as
-- keyed hashes, the per-user wrong-code window, and passkeys with their
-- one-time WebAuthn challenges.
CREATE TABLE mfa_devices (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id        text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type           text NOT NULL,
    alias          text NOT NULL DEFAULT '',
    secret         bytea NOT NULL,
    is_default     boolean NOT NULL DEFAULT false,
    last_step      bigint,
    created_at     timestamptz NOT NULL,
    verified_at    timestamptz
);
CREATE INDEX mfa_devices_user ON mfa_devices(user_id, created_at);

CREATE TABLE mfa_recovery_codes (
    user_id    text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    created_at timestamptz NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE mfa_attempts (
    user_id      text PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    attempts     integer NOT NULL,
    window_start timestamptz NOT NULL
);

CREATE TABLE passkey_challenges (
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    challenge      text NOT NULL,
    user_id        text NOT NULL DEFAULT '',
    kind           text NOT NULL,
    session        bytea NOT NULL,
    expires_at     timestamptz NOT NULL,
    PRIMARY KEY (environment_id, challenge)
);
CREATE INDEX passkey_challenges_expiry ON passkey_challenges(expires_at);

CREATE TABLE passkeys (
    id                     text PRIMARY KEY,
    environment_id         text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id                text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    verified_credential_id text NOT NULL REFERENCES verified_credentials(id) ON DELETE CASCADE,
    credential_id          bytea NOT NULL,
    credential             bytea NOT NULL,
    sign_count             bigint NOT NULL DEFAULT 0,
    alias                  text NOT NULL DEFAULT '',
    origin                 text NOT NULL DEFAULT '',
    user_agent             text NOT NULL DEFAULT '',
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz,
    UNIQUE (environment_id, credential_id)
);
CREATE INDEX passkeys_user ON passkeys(user_id, created_at);
CREATE INDEX passkeys_credential ON passkeys(verified_credential_id);

CREATE TABLE mfa_tokens (
    token_hash bytea PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id text NOT NULL,
    single_use boolean NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX mfa_tokens_expiry ON mfa_tokens(expires_at);
