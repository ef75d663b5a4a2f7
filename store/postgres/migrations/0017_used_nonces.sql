-- Nonces are self-authenticating (a MAC over random part, expiry and
-- environment): issuing one writes nothing. A nonce is recorded when it
-- is used, so that it is used once; the row is pruned after the nonce's
-- own expiry. Nonces issued before this migration are no longer accepted.
DROP TABLE nonces;
CREATE TABLE used_nonces (
    nonce      text NOT NULL PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX used_nonces_expiry ON used_nonces(expires_at);
