-- Whether the user's profile email was given by an operator (admin API,
-- import) rather than typed by the user without proof (PUT /sdk/users
-- where email codes are off). A code sent to the address beats a user's
-- unverified claim (the claimant loses it) but signs in to the operator's
-- user. Rows from before are claims: proof still beats them, and nothing
-- is ever joined to an account on a claim.
ALTER TABLE users ADD COLUMN email_asserted boolean NOT NULL DEFAULT false;
