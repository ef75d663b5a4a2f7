-- An environment's test account (admin test/account): the static code
-- that signs in its test addresses, sealed with the master secret, and
-- how many codes were asked for since it was last accepted (a bound on
-- guesses).
CREATE TABLE test_accounts (
    environment_id text PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,
    email          text NOT NULL,
    phone          text NOT NULL DEFAULT '',
    code_sealed    bytea NOT NULL,
    uses           integer NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL
);
