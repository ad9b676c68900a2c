//go:build !linux

package benchkit

// ResidentNow is not measured on this platform.
func ResidentNow() uint64 { return 0 }

// ResidentPeak is not measured on this platform.
func ResidentPeak() uint64 { return 0 }

// ResetResidentPeak is not possible on this platform.
func ResetResidentPeak() bool { return false }
