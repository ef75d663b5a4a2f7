package sqlite

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"strings"
)

// location is where Open finds the database: a file, or a database in
// memory held by the memdb VFS.
type location struct {
	file   string     // the file's path; empty in memory
	memdb  string     // the memdb name ("/…"), in memory
	params url.Values // the caller's URI parameters kept for the DSN
}

// locate reads what Open was given: a path, ":memory:", or an SQLite
// "file:" URI, whose in-memory forms ("file::memory:", mode=memory, with
// or without cache=shared) are what tests and embedding apps pass.
//
// Every connection to a plain in-memory database is a database of its
// own, so the writer and the reader pool would not see each other's
// tables: in memory is a named memdb database instead, which the pools
// share and which is freed with the last connection. cache=shared keeps
// its meaning: stores opened on the same shared URI in one process share
// one database; without it, each Open is a database of its own.
func locate(dbPath string) (location, error) {
	if dbPath == "" {
		return location{}, fmt.Errorf("sqlite: no database path")
	}
	if dbPath == ":memory:" {
		return location{memdb: "/dynamicauth-" + rand.Text()}, nil
	}
	if !strings.HasPrefix(dbPath, "file:") {
		return location{file: dbPath}, nil
	}
	u, err := url.Parse(dbPath)
	if err != nil {
		return location{}, fmt.Errorf("sqlite: %q: %w", dbPath, err)
	}
	if u.Host != "" && u.Host != "localhost" {
		return location{}, fmt.Errorf("sqlite: %q: a file URI names no remote host", dbPath)
	}
	name := u.Opaque
	if name == "" {
		name = u.Path
	} else if name, err = url.PathUnescape(name); err != nil {
		return location{}, fmt.Errorf("sqlite: %q: %w", dbPath, err)
	}
	q := u.Query()
	if q.Get("vfs") != "" {
		return location{}, fmt.Errorf("sqlite: %q: the vfs parameter is not supported", dbPath)
	}
	if name != ":memory:" && q.Get("mode") != "memory" {
		if name == "" {
			return location{}, fmt.Errorf("sqlite: %q names no file", dbPath)
		}
		return location{file: name, params: q}, nil
	}
	shared := q.Get("cache") == "shared"
	for k := range q {
		if k != "mode" && k != "cache" {
			return location{}, fmt.Errorf("sqlite: %q: parameter %s does not apply to a database in memory", dbPath, k)
		}
	}
	if !shared {
		return location{memdb: "/dynamicauth-" + rand.Text()}, nil
	}
	return location{memdb: "/dynamicauth-shared-" + url.PathEscape(name)}, nil
}

// dsnFile is the part of the DSN before the pragmas: the file or memdb
// name and the query's first parameters.
func (l location) dsnFile() string {
	if l.memdb != "" {
		return l.memdb + "?vfs=memdb&"
	}
	if len(l.params) == 0 {
		return l.file + "?"
	}
	return l.file + "?" + l.params.Encode() + "&"
}
