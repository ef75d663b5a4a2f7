-- Sanctions screenings of wallets (access.Check, the admin user's
-- chainalysisChecks): the latest per environment, wallet and result.
CREATE TABLE chainalysis_checks (
    id                TEXT PRIMARY KEY,
    environment_id    TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    wallet_key        TEXT NOT NULL,
    wallet_public_key TEXT NOT NULL,
    result            TEXT NOT NULL,
    response          TEXT NOT NULL,
    created_at        TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX chainalysis_checks_wallet ON chainalysis_checks(environment_id, wallet_key, result);
