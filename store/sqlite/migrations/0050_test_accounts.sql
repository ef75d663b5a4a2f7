-- An environment's test account (admin test/account): the static code
-- that signs in its test addresses, sealed with the master secret, and
-- how many codes were asked for since it was last accepted (a bound on
-- guesses).
CREATE TABLE test_accounts (
    environment_id TEXT PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,
    email          TEXT NOT NULL,
    phone          TEXT NOT NULL DEFAULT '',
    code_sealed    BLOB NOT NULL,
    uses           INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
) WITHOUT ROWID;
