-- The signed-in session whose profile change (PUT /users, past its
-- user.update step-up) a verification is for: verifying its code needs no
-- other step-up; verifications started any other way do.
ALTER TABLE otp_verifications ADD COLUMN session_id text NOT NULL DEFAULT '';
