-- The browser origin that announced a login (initAuth's Origin): a popup
-- login's last page posts the provider's code to that origin alone, when
-- the environment allows it (Dynamic's widget waits for that message).
ALTER TABLE social_states ADD COLUMN origin TEXT NOT NULL DEFAULT '';
