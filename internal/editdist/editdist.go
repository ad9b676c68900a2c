// Package editdist measures how far apart two short strings are, for
// "did you mean" suggestions on mistyped keys and names.
package editdist

// Levenshtein is the edit distance between a and b in runes. It is
// quadratic, so callers bound the length of what they compare.
func Levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Closest is the candidate nearest to typed, when it is near enough to be
// a likely typo of it: at most one edit, plus one for every five runes of
// typed. Ties go to the earlier candidate. Compare in one case.
func Closest(typed string, candidates []string) (string, bool) {
	best, bestDist := "", -1
	for _, c := range candidates {
		if d := Levenshtein(typed, c); bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > 1+len([]rune(typed))/5 {
		return "", false
	}
	return best, true
}
