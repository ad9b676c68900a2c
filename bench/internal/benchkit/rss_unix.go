//go:build unix

package benchkit

import (
	"runtime"
	"syscall"
)

// MaxRSS is the process's peak resident set size in bytes.
func MaxRSS() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return uint64(ru.Maxrss) // bytes there
	}
	return uint64(ru.Maxrss) << 10 // KiB elsewhere
}
