-- A user's mfaTokens by user_id: the admin's MFA reset deletes them, and
-- deleting a user (admin API, the user's own request, a merge) deletes
-- them by the foreign key's cascade. Without an index either read every
-- live token of every environment.
CREATE INDEX mfa_tokens_user ON mfa_tokens(user_id);
