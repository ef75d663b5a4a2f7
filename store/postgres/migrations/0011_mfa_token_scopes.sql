-- elevatedAccessTokens live beside mfaTokens, with their TokenScopes
-- (space-separated; none for an mfaToken).
ALTER TABLE mfa_tokens ADD COLUMN scopes text NOT NULL DEFAULT '';
