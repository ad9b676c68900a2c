//go:build !race

package zendesk_test

const raceEnabled = false
