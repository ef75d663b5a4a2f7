-- Sanctions screenings of wallets (access.Check, the admin user's
-- chainalysisChecks): the latest per environment, wallet and result.
CREATE TABLE chainalysis_checks (
    id                text PRIMARY KEY,
    environment_id    text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    wallet_key        text NOT NULL,
    wallet_public_key text NOT NULL,
    result            text NOT NULL,
    response          text NOT NULL,
    created_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX chainalysis_checks_wallet ON chainalysis_checks(environment_id, wallet_key, result);
