// Package envvars finds which environment variables a piece of code
// reads, so help text and deployment files that must name every one of
// them can be checked against the code rather than against memory.
package envvars

import (
	"slices"
	"strings"
	"sync"
)

// Read runs read with a getenv that answers "" and records every name
// asked for. secrets are those also asked for as NAME_FILE (a secret's
// file), and all the rest, without the _FILE forms; both sorted.
func Read(read func(getenv func(string) string)) (all, secrets []string) {
	var mu sync.Mutex
	asked := map[string]bool{}
	read(func(name string) string {
		mu.Lock()
		defer mu.Unlock()
		asked[name] = true
		return ""
	})
	for name := range asked {
		if base, isFile := strings.CutSuffix(name, "_FILE"); isFile && asked[base] {
			continue
		}
		all = append(all, name)
		if asked[name+"_FILE"] {
			secrets = append(secrets, name)
		}
	}
	slices.Sort(all)
	slices.Sort(secrets)
	return all, secrets
}
