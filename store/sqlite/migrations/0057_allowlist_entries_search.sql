-- An allowlist's entries page without reading the whole list: a list may
-- hold a million entries.
-- The count of a list's entries, kept by triggers, for the unfiltered
-- page's count (a count(*) read every entry of the list).
ALTER TABLE allowlists ADD COLUMN entry_count INTEGER NOT NULL DEFAULT 0;
UPDATE allowlists SET entry_count = (SELECT count(*) FROM allowlist_entries e WHERE e.allowlist_id = allowlists.id);
CREATE TRIGGER allowlist_entries_count_insert AFTER INSERT ON allowlist_entries BEGIN
    UPDATE allowlists SET entry_count = entry_count + 1 WHERE id = NEW.allowlist_id;
END;
CREATE TRIGGER allowlist_entries_count_delete AFTER DELETE ON allowlist_entries BEGIN
    UPDATE allowlists SET entry_count = entry_count - 1 WHERE id = OLD.allowlist_id;
END;
-- The search (a substring of the identifier or the alias) through an FTS5
-- trigram index instead of LIKE '%…%' over every entry of the list, as
-- user_search (0027) does for users; entries are never updated. A search
-- shorter than a trigram matches an alias whole, through
-- allowlist_entries_alias_short.
CREATE TABLE allowlist_entry_search_rows (
    rowid    INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE allowlist_entry_search USING fts5(
    allowlist_id UNINDEXED, match_key, alias,
    tokenize = 'trigram'
);
INSERT INTO allowlist_entry_search_rows (entry_id) SELECT id FROM allowlist_entries;
INSERT INTO allowlist_entry_search (rowid, allowlist_id, match_key, alias)
    SELECT r.rowid, e.allowlist_id, e.match_key, e.alias
    FROM allowlist_entries e JOIN allowlist_entry_search_rows r ON r.entry_id = e.id;
CREATE TRIGGER allowlist_entries_search_insert AFTER INSERT ON allowlist_entries BEGIN
    INSERT INTO allowlist_entry_search_rows (entry_id) VALUES (NEW.id);
    INSERT INTO allowlist_entry_search (rowid, allowlist_id, match_key, alias)
        VALUES (last_insert_rowid(), NEW.allowlist_id, NEW.match_key, NEW.alias);
END;
CREATE TRIGGER allowlist_entries_search_delete AFTER DELETE ON allowlist_entries BEGIN
    DELETE FROM allowlist_entry_search WHERE rowid = (SELECT rowid FROM allowlist_entry_search_rows WHERE entry_id = OLD.id);
    DELETE FROM allowlist_entry_search_rows WHERE entry_id = OLD.id;
END;
CREATE INDEX allowlist_entries_alias_short ON allowlist_entries(allowlist_id, lower(alias))
    WHERE alias <> '' AND length(alias) < 3;
