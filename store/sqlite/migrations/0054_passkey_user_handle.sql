-- The WebAuthn user handle a passkey was registered under, where it is no
-- longer its owner's id: a merge moves the merged user's passkeys to the
-- user who stays, and their authenticators keep answering with the handle
-- they were made with. '' means the owner's id.
ALTER TABLE passkeys ADD COLUMN user_handle text NOT NULL DEFAULT '';
