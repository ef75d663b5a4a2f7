-- Where pages of an environment's users list start (sqlstore/keyset.go),
-- kept across a graceful restart: written when the store closes, read by
-- the first list of a large environment after it opens, and used only if
-- the environment's user count and newest user still match. anchors is a
-- JSON array of {"r": rank, "t": created_at in Unix ms, "i": user id}.
CREATE TABLE users_list_anchors (
    environment_id TEXT PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,
    user_count     INTEGER NOT NULL,
    newest_at      TEXT NOT NULL,
    newest_id      TEXT NOT NULL,
    anchors        TEXT NOT NULL
);
