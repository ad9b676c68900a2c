//go:build linux

package benchkit

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// ResidentNow is the process's resident set size now, in bytes.
func ResidentNow() uint64 { return procStatus("VmRSS:") }

// ResidentPeak is the process's peak resident set size since it started
// or since ResetResidentPeak, in bytes.
func ResidentPeak() uint64 { return procStatus("VmHWM:") }

// ResetResidentPeak starts ResidentPeak again from the resident set size
// now, so a phase's peak can be told from an earlier one's (seeding's);
// false when the kernel refused.
func ResetResidentPeak() bool {
	// "5" resets the peak resident set size (proc(5), clear_refs).
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// procStatus reads a "kB" line of /proc/self/status, in bytes.
func procStatus(key string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte(key))
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
