-- The users' search rows (0027) only for users with a searched column
-- set. A wallet sign-in's user has no email, names, username, phone or
-- job title, yet its INSERT wrote an FTS5 row of empty values and its
-- row map entry (about a WAL page per first sign-in: the FTS5 content,
-- docsize, data and both b-trees of user_search_rows). A substring search
-- never matches an empty value, so such a user needs no row. A later
-- UPDATE of a searched column makes the row if the user has none yet,
-- then writes the values as before; the delete trigger is unchanged.
DROP TRIGGER users_search_insert;
DROP TRIGGER users_search_update;
CREATE TRIGGER users_search_insert AFTER INSERT ON users
WHEN NEW.email <> '' OR NEW.alias <> '' OR NEW.first_name <> '' OR NEW.last_name <> '' OR NEW.username <> ''
    OR NEW.phone_number <> '' OR NEW.job_title <> '' BEGIN
    INSERT INTO user_search_rows (user_id) VALUES (NEW.id);
    INSERT INTO user_search (rowid, environment_id, email, alias, first_name, last_name, username, phone_number, job_title)
        VALUES (last_insert_rowid(), NEW.environment_id, NEW.email, NEW.alias, NEW.first_name, NEW.last_name,
            NEW.username, NEW.phone_number, NEW.job_title);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF email, alias, first_name, last_name, username, phone_number, job_title
ON users BEGIN
    INSERT INTO user_search_rows (user_id) SELECT NEW.id WHERE NOT EXISTS (SELECT 1 FROM user_search_rows WHERE user_id = NEW.id);
    INSERT INTO user_search (rowid, environment_id) SELECT r.rowid, NEW.environment_id FROM user_search_rows r
        WHERE r.user_id = NEW.id AND NOT EXISTS (SELECT 1 FROM user_search s WHERE s.rowid = r.rowid);
    UPDATE user_search SET email = NEW.email, alias = NEW.alias, first_name = NEW.first_name,
        last_name = NEW.last_name, username = NEW.username, phone_number = NEW.phone_number, job_title = NEW.job_title
        WHERE rowid = (SELECT rowid FROM user_search_rows WHERE user_id = NEW.id);
END;
