-- A social account's profile picture (oauth_account_photos), as the
-- provider gave it at the last sign-in that named one.
ALTER TABLE verified_credentials ADD COLUMN photo_url text NOT NULL DEFAULT '';
