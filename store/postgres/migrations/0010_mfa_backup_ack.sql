-- Whether the user acknowledged their MFA recovery codes (SdkUser's
-- mfaBackupCodeAcknowledgement): '' (none), 'pending' or 'complete'.
ALTER TABLE users ADD COLUMN mfa_backup_code_ack text NOT NULL DEFAULT '';
