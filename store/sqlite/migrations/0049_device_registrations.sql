-- Device registration (security.deviceRegistrationRequired): the devices
-- a user trusts, by the public key of the device's signer, and the
-- approvals emailed for a returning user's sign-in on an unknown device.
CREATE TABLE device_registrations (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    public_key     TEXT NOT NULL,
    user_agent     TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX device_registrations_user_key ON device_registrations(user_id, public_key);

-- Only the token's SHA-256 is kept; an approval works once, for the
-- session it was emailed for.
CREATE TABLE device_approvals (
    token_hash     TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id     TEXT NOT NULL,
    public_key     TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    used_at        TEXT
) WITHOUT ROWID;
CREATE INDEX device_approvals_user ON device_approvals(user_id);
CREATE INDEX device_approvals_expiry ON device_approvals(expires_at);

-- The device a session was signed in from (or approved for), so revoking
-- a device ends its sessions.
ALTER TABLE sessions ADD COLUMN device_registration_id TEXT NOT NULL DEFAULT '';
