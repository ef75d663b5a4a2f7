package sqlite

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockHolder returns a process holding a lock on one of the files (0 if
// none), from /proc/locks, which lists every process's, this one's
// included. It opens none of the files: closing a file this process
// opened would release the locks its own SQLite connections hold on it
// (POSIX locks belong to the process, not the descriptor).
func lockHolder(files []string) (int, error) {
	type fileID struct {
		major, minor uint32
		ino          uint64
	}
	want := map[fileID]bool{}
	for _, f := range files {
		var st unix.Stat_t
		if err := unix.Stat(f, &st); errors.Is(err, unix.ENOENT) {
			continue
		} else if err != nil {
			return 0, fmt.Errorf("stat %s: %w", f, err)
		}
		want[fileID{unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino}] = true
	}
	locks, err := os.ReadFile("/proc/locks")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil // no procfs: nothing to tell
	}
	if err != nil {
		return 0, err
	}
	// "1: POSIX  ADVISORY  READ 9036 fe:00:10306529 1073741826 1073742335";
	// a waiter's line has "->" after the number.
	sc := bufio.NewScanner(bytes.NewReader(locks))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		for i := 1; i < len(fields); i++ {
			id := strings.Split(fields[i], ":")
			if len(id) != 3 {
				continue
			}
			major, err1 := strconv.ParseUint(id[0], 16, 32)
			minor, err2 := strconv.ParseUint(id[1], 16, 32)
			ino, err3 := strconv.ParseUint(id[2], 10, 64)
			if err1 != nil || err2 != nil || err3 != nil || !want[fileID{uint32(major), uint32(minor), ino}] {
				break
			}
			pid, _ := strconv.Atoi(fields[i-1])
			if pid == 0 {
				pid = -1 // a process out of this one's pid namespace
			}
			return pid, nil
		}
	}
	return 0, sc.Err()
}
