-- An OpenID provider's domain (its issuer, where discovery starts).
ALTER TABLE social_providers ADD COLUMN domain TEXT NOT NULL DEFAULT '';
