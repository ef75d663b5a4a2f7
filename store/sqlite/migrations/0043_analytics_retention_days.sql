-- Weekly retention pairs keyed by the days that decide whether a range
-- that cuts a week counts them, so that the cells of the weeks a range
-- cuts are counter reads instead of every active week of every user active
-- in a cut week. A range cuts at most its first week (its days inside the
-- range are the week's last ones) and its last (the week's first ones): a
-- user counts in a cut first week if its last active day of that week is
-- inside the range, in a cut last week if its first active day is.
--
-- analytics_days metrics (day = the earlier week), replacing week_pairs
-- and new_pairs of 0037 (the pair of a week with itself is gone: it is the
-- week's distinct users, active_week, or for a cut week its rows' masks):
--   retain_pairs  users active in week day and a later week; dim
--                 'YYYY-MM-DD L F': the later week, the user's last active
--                 weekday of week day, its first of the later week (0 =
--                 Monday)
--   retain_new    users created in week day active in week >= day; dim
--                 'YYYY-MM-DD FC': that week, the user's first active
--                 weekday of it, the weekday it was created on (less
--                 users deleted since)
-- In date order a pair's key never changes after it is written (a new day
-- of a week is its last, and its later weeks do not exist yet): the same
-- writes per sign-in as week_pairs, one fewer on a user's new week. A day
-- written out of order moves the pairs whose key it changes.
DROP TRIGGER analytics_periods_pairs;
DROP TRIGGER analytics_users_delete_pairs;
DELETE FROM analytics_days WHERE metric IN ('week_pairs', 'new_pairs');

-- A user's weeks with their masks in the index: the backfill joins each
-- user's weeks with its later weeks reading no table row per pair
-- (minutes to seconds for a million user-weeks), and so do the triggers
-- below and Retention's read of its edge users (without the mask, SQLite
-- prefers scanning all the environment's weeks to a lookup per user).
DROP INDEX analytics_periods_who;
CREATE INDEX analytics_periods_who ON analytics_periods(environment_id, unit, who, period, mask);
-- backfill begin (read by the backfill test)
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT a.environment_id, 'retain_pairs', a.period, substr(b.period, 1, 10) || ' ' ||
        (CASE WHEN a.mask & 64 THEN 6 WHEN a.mask & 32 THEN 5 WHEN a.mask & 16 THEN 4 WHEN a.mask & 8 THEN 3
            WHEN a.mask & 4 THEN 2 WHEN a.mask & 2 THEN 1 ELSE 0 END) ||
        (CASE WHEN b.mask & 1 THEN 0 WHEN b.mask & 2 THEN 1 WHEN b.mask & 4 THEN 2 WHEN b.mask & 8 THEN 3
            WHEN b.mask & 16 THEN 4 WHEN b.mask & 32 THEN 5 ELSE 6 END), 0, count(*)
    FROM analytics_periods a JOIN analytics_periods b ON b.environment_id = a.environment_id AND b.unit = 'week'
        AND b.who = a.who AND b.period > a.period
    WHERE a.unit = 'week' GROUP BY 1, 3, 4;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT p.environment_id, 'retain_new', date(substr(u.created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z',
        substr(p.period, 1, 10) || ' ' ||
        (CASE WHEN p.mask & 1 THEN 0 WHEN p.mask & 2 THEN 1 WHEN p.mask & 4 THEN 2 WHEN p.mask & 8 THEN 3
            WHEN p.mask & 16 THEN 4 WHEN p.mask & 32 THEN 5 ELSE 6 END) ||
        ((CAST(strftime('%w', substr(u.created_at, 1, 10)) AS integer) + 6) % 7), 0, count(*)
    FROM analytics_periods p JOIN users u ON u.id = p.who AND u.environment_id = p.environment_id
    WHERE p.unit = 'week' AND p.period >= date(substr(u.created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z'
    GROUP BY 1, 3, 4;
-- backfill end

-- The first and last weekday of a mask, for the triggers.
CREATE TABLE analytics_mask_days (
    mask  INTEGER PRIMARY KEY,
    first INTEGER NOT NULL,
    last  INTEGER NOT NULL
);
WITH RECURSIVE m(mask) AS (SELECT 1 UNION ALL SELECT mask + 1 FROM m WHERE mask < 127)
INSERT INTO analytics_mask_days (mask, first, last) SELECT mask,
    CASE WHEN mask & 1 THEN 0 WHEN mask & 2 THEN 1 WHEN mask & 4 THEN 2 WHEN mask & 8 THEN 3
        WHEN mask & 16 THEN 4 WHEN mask & 32 THEN 5 ELSE 6 END,
    CASE WHEN mask & 64 THEN 6 WHEN mask & 32 THEN 5 WHEN mask & 16 THEN 4 WHEN mask & 8 THEN 3
        WHEN mask & 4 THEN 2 WHEN mask & 2 THEN 1 ELSE 0 END
FROM m;

-- A new week of a user: a pair with each of its other weeks, and one
-- with the week it was created in.
CREATE TRIGGER analytics_periods_pairs AFTER INSERT ON analytics_periods WHEN NEW.unit = 'week' BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, 'retain_pairs', min(p.period, NEW.period), substr(max(p.period, NEW.period), 1, 10) || ' ' ||
            CASE WHEN p.period < NEW.period THEN a.last || b.first ELSE b.last || a.first END, 0, 1
        FROM analytics_periods p JOIN analytics_mask_days a ON a.mask = p.mask
            JOIN analytics_mask_days b ON b.mask = NEW.mask
        WHERE p.environment_id = NEW.environment_id AND p.unit = 'week' AND p.who = NEW.who AND p.period <> NEW.period
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, 'retain_new', c.wk, substr(NEW.period, 1, 10) || ' ' || b.first || c.wd, 0, 1
        FROM (SELECT date(substr(created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z' AS wk,
            (CAST(strftime('%w', substr(created_at, 1, 10)) AS integer) + 6) % 7 AS wd FROM users
            WHERE id = NEW.who AND environment_id = NEW.environment_id) c JOIN analytics_mask_days b ON b.mask = NEW.mask
        WHERE c.wk <= NEW.period
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;

-- A new day of a week already counted, out of date order: a new last day
-- moves the pairs with the user's later weeks, a new first day those with
-- its earlier weeks and its creation week. (In date order the new day is
-- the last and there is no later week: the statements find no row.)
CREATE TRIGGER analytics_periods_pair_days AFTER UPDATE OF mask ON analytics_periods
WHEN NEW.unit = 'week' AND NEW.mask <> OLD.mask BEGIN
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = NEW.environment_id AND metric = 'retain_pairs' AND shard = 0
        AND day = NEW.period AND dim IN (SELECT substr(p.period, 1, 10) || ' ' || o.last || b.first
            FROM analytics_periods p JOIN analytics_mask_days b ON b.mask = p.mask JOIN analytics_mask_days o ON o.mask = OLD.mask
                JOIN analytics_mask_days n ON n.mask = NEW.mask
            WHERE p.environment_id = NEW.environment_id AND p.unit = 'week' AND p.who = NEW.who AND p.period > NEW.period
                AND o.last <> n.last);
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, 'retain_pairs', NEW.period, substr(p.period, 1, 10) || ' ' || n.last || b.first, 0, 1
        FROM analytics_periods p JOIN analytics_mask_days b ON b.mask = p.mask JOIN analytics_mask_days o ON o.mask = OLD.mask
            JOIN analytics_mask_days n ON n.mask = NEW.mask
        WHERE p.environment_id = NEW.environment_id AND p.unit = 'week' AND p.who = NEW.who AND p.period > NEW.period
            AND o.last <> n.last
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = NEW.environment_id AND metric = 'retain_pairs' AND shard = 0
        AND (day, dim) IN (SELECT p.period, substr(NEW.period, 1, 10) || ' ' || a.last || o.first
            FROM analytics_periods p JOIN analytics_mask_days a ON a.mask = p.mask JOIN analytics_mask_days o ON o.mask = OLD.mask
                JOIN analytics_mask_days n ON n.mask = NEW.mask
            WHERE p.environment_id = NEW.environment_id AND p.unit = 'week' AND p.who = NEW.who AND p.period < NEW.period
                AND o.first <> n.first);
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, 'retain_pairs', p.period, substr(NEW.period, 1, 10) || ' ' || a.last || n.first, 0, 1
        FROM analytics_periods p JOIN analytics_mask_days a ON a.mask = p.mask JOIN analytics_mask_days o ON o.mask = OLD.mask
            JOIN analytics_mask_days n ON n.mask = NEW.mask
        WHERE p.environment_id = NEW.environment_id AND p.unit = 'week' AND p.who = NEW.who AND p.period < NEW.period
            AND o.first <> n.first
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = NEW.environment_id AND metric = 'retain_new' AND shard = 0
        AND (day, dim) IN (SELECT c.wk, substr(NEW.period, 1, 10) || ' ' || o.first || c.wd
            FROM (SELECT date(substr(created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z' AS wk,
            (CAST(strftime('%w', substr(created_at, 1, 10)) AS integer) + 6) % 7 AS wd FROM users
                WHERE id = NEW.who AND environment_id = NEW.environment_id) c
                JOIN analytics_mask_days o ON o.mask = OLD.mask JOIN analytics_mask_days n ON n.mask = NEW.mask
            WHERE c.wk <= NEW.period AND o.first <> n.first);
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, 'retain_new', c.wk, substr(NEW.period, 1, 10) || ' ' || n.first || c.wd, 0, 1
        FROM (SELECT date(substr(created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z' AS wk,
            (CAST(strftime('%w', substr(created_at, 1, 10)) AS integer) + 6) % 7 AS wd FROM users
            WHERE id = NEW.who AND environment_id = NEW.environment_id) c
            JOIN analytics_mask_days o ON o.mask = OLD.mask JOIN analytics_mask_days n ON n.mask = NEW.mask
        WHERE c.wk <= NEW.period AND o.first <> n.first
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;

-- A deleted user leaves the cohort of the week it was created in.
CREATE TRIGGER analytics_users_delete_pairs AFTER DELETE ON users BEGIN
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'retain_new' AND shard = 0
        AND day = date(substr(OLD.created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z'
        AND dim IN (SELECT substr(p.period, 1, 10) || ' ' || b.first || ((CAST(strftime('%w', substr(OLD.created_at, 1, 10)) AS integer) + 6) % 7)
            FROM analytics_periods p JOIN analytics_mask_days b ON b.mask = p.mask
            WHERE p.environment_id = OLD.environment_id AND p.unit = 'week' AND p.who = OLD.id
                AND p.period >= date(substr(OLD.created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z');
END;
