-- Former owners of a credential moved by a wallet transfer (previous_users
-- in the admin view), as a JSON array of user ids.
ALTER TABLE verified_credentials ADD COLUMN previous_users jsonb NOT NULL DEFAULT '[]';
