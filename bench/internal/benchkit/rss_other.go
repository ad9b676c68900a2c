//go:build !unix

package benchkit

// MaxRSS is not measured on this platform.
func MaxRSS() uint64 { return 0 }
