-- Substring search of the users list's text filters (email, alias, names,
-- username, phone, job title) through an FTS5 trigram index instead of
-- LIKE '%…%' over every user of the environment. An FTS5 row is keyed by
-- an integer, users by a text id: user_search_rows maps one to the other.
-- Triggers keep both in step with users.
CREATE TABLE user_search_rows (
    rowid   INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE user_search USING fts5(
    environment_id UNINDEXED, email, alias, first_name, last_name, username, phone_number, job_title,
    tokenize = 'trigram'
);
INSERT INTO user_search_rows (user_id) SELECT id FROM users;
INSERT INTO user_search (rowid, environment_id, email, alias, first_name, last_name, username, phone_number, job_title)
    SELECT r.rowid, u.environment_id, u.email, u.alias, u.first_name, u.last_name, u.username, u.phone_number, u.job_title
    FROM users u JOIN user_search_rows r ON r.user_id = u.id;
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_search_rows (user_id) VALUES (NEW.id);
    INSERT INTO user_search (rowid, environment_id, email, alias, first_name, last_name, username, phone_number, job_title)
        VALUES (last_insert_rowid(), NEW.environment_id, NEW.email, NEW.alias, NEW.first_name, NEW.last_name,
            NEW.username, NEW.phone_number, NEW.job_title);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF email, alias, first_name, last_name, username, phone_number, job_title
ON users BEGIN
    UPDATE user_search SET email = NEW.email, alias = NEW.alias, first_name = NEW.first_name,
        last_name = NEW.last_name, username = NEW.username, phone_number = NEW.phone_number, job_title = NEW.job_title
        WHERE rowid = (SELECT rowid FROM user_search_rows WHERE user_id = NEW.id);
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    DELETE FROM user_search WHERE rowid = (SELECT rowid FROM user_search_rows WHERE user_id = OLD.id);
    DELETE FROM user_search_rows WHERE user_id = OLD.id;
END;
