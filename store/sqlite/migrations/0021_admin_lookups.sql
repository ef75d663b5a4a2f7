-- Admin lookups by wallet address or OAuth account id (the users list's
-- walletPublicKey, wallet and accountId filters) find the credentials of
-- an environment at an address without knowing their chain.
CREATE INDEX verified_credentials_env_address ON verified_credentials(environment_id, address, format);
