-- The provider's error (?error=access_denied) delivered for a login's
-- state: it ends the login, as a code would complete it. A state holding
-- one takes no code afterwards, no sign-in completes with it, and
-- oauthResult answers it completed with the error (sqlstore.DeliverError).
ALTER TABLE social_states ADD COLUMN error TEXT NOT NULL DEFAULT '';
