-- Account merges offered to a signed-in user (a linked wallet of an account
-- with other credentials, or POST /users/merge) and not confirmed yet with
-- POST /verify/merge: at most one per user, short-lived. credential_id is
-- the other account's credential the user proved; nonces are the proof's
-- nonces (a JSON array), used up by the merge.
CREATE TABLE pending_merges (
    user_id        TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    from_user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    credential_id  TEXT NOT NULL,
    nonces         TEXT NOT NULL DEFAULT '[]',
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX pending_merges_from ON pending_merges(from_user_id);
CREATE INDEX pending_merges_expiry ON pending_merges(expires_at);
