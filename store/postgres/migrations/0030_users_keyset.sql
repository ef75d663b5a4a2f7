-- The users list in creation order, ties by id in byte order: the order
-- the list sorts by and the key its pages start from (WHERE (created_at,
-- id) <= …, sqlstore/keyset.go). With id in the index, a page is read
-- from the index in order, a deep offset steps over index entries only
-- (index-only scan), and a page starts at its key. It replaces
-- users_env_created, a prefix of it.
CREATE INDEX users_env_created_id ON users(environment_id, created_at, id COLLATE "C");
DROP INDEX users_env_created;
