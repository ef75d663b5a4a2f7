-- Where pages of an environment's users list start; see SQLite's 0044.
CREATE TABLE users_list_anchors (
    environment_id text PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,
    user_count     bigint NOT NULL,
    newest_at      timestamptz NOT NULL,
    newest_id      text NOT NULL,
    anchors        text NOT NULL
);
