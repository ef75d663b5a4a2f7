-- The active keys by age, for the scheduled rotation (Config.SigningKeyMaxAge).
CREATE INDEX signing_keys_active_created ON signing_keys(created_at) WHERE retired_at IS NULL;
