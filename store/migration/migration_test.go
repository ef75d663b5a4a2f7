package migration

import (
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_two.sql": {Data: []byte("B")},
		"m/0001_one.sql": {Data: []byte("A")},
		"m/README.md":    {Data: []byte("not a migration")},
	}
	ms, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || ms[0].Name != "0001_one" || ms[0].SQL != "A" || ms[1].Version != 2 {
		t.Fatalf("loaded %+v", ms)
	}
	fsys["m/0002_again.sql"] = &fstest.MapFile{Data: []byte("C")}
	if _, err := Load(fsys, "m"); err == nil {
		t.Fatal("two migrations with one version accepted")
	}
	fsys["m/x_bad.sql"] = &fstest.MapFile{Data: []byte("D")}
	if _, err := Load(fsys, "m"); err == nil {
		t.Fatal("a migration without a version accepted")
	}
}
