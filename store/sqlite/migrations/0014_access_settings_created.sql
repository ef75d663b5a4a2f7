-- When an environment's sanctions screening was first configured (ChainalysisConfiguration.createdAt).
ALTER TABLE access_settings ADD COLUMN created_at TEXT;
