//go:build !unix

package main

// maxRSS is not measured on this platform.
func maxRSS() uint64 { return 0 }
