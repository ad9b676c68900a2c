//go:build race

package github_test

// raceEnabled lets very large tests skip under the race detector, which
// slows JSON-heavy work about tenfold.
const raceEnabled = true
