-- An allowlist's entries page without reading the whole list: a list may
-- hold a million entries.
-- The count of a list's entries, kept by triggers, for the unfiltered
-- page's count (a count(*) read every entry of the list). Per statement,
-- from its transition table: one UPDATE of a list per statement, not per
-- entry (50,000 entries inserted by one statement each updating the same
-- row took a minute).
ALTER TABLE allowlists ADD COLUMN entry_count bigint NOT NULL DEFAULT 0;
UPDATE allowlists SET entry_count = (SELECT count(*) FROM allowlist_entries e WHERE e.allowlist_id = allowlists.id);
CREATE FUNCTION allowlist_entries_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE allowlists l SET entry_count = l.entry_count + a.n
        FROM (SELECT allowlist_id, count(*) AS n FROM added GROUP BY allowlist_id) a WHERE l.id = a.allowlist_id;
    RETURN NULL;
END
$$;
CREATE FUNCTION allowlist_entries_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE allowlists l SET entry_count = l.entry_count - r.n
        FROM (SELECT allowlist_id, count(*) AS n FROM removed GROUP BY allowlist_id) r WHERE l.id = r.allowlist_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER allowlist_entries_added AFTER INSERT ON allowlist_entries
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION allowlist_entries_added();
CREATE TRIGGER allowlist_entries_removed AFTER DELETE ON allowlist_entries
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION allowlist_entries_removed();
-- The search (a substring of the identifier or the alias) through trigram
-- indexes instead of ILIKE '%…%' over every entry of the list, as the
-- users' (0027, 0042); an alias shorter than a trigram is not in its
-- index. A search that short matches an alias whole, through
-- allowlist_entries_alias_short.
DO $$
DECLARE
    s text;
BEGIN
    SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX allowlist_entries_match_key_trgm ON allowlist_entries USING gin (match_key %I.gin_trgm_ops)', s);
    EXECUTE format('CREATE INDEX allowlist_entries_alias_trgm ON allowlist_entries USING gin (alias %I.gin_trgm_ops)
        WHERE length(alias) >= 3', s);
END
$$;
CREATE INDEX allowlist_entries_alias_short ON allowlist_entries(allowlist_id, lower(alias))
    WHERE alias <> '' AND length(alias) < 3;
