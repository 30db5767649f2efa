// Package suggest finds the name someone probably meant ("did you mean"),
// for mockbank's errors about bank, endpoint, user and field names.
//
// The distance is the optimal string alignment distance (Levenshtein with
// adjacent transpositions, so "chsae" is one edit from "chase"), compared
// case-insensitively. It is a few lines, so it is written here rather than
// taken from a module: nothing else in the project needs one.
package suggest

import (
	"fmt"
	"slices"
	"strings"
)

// Closest returns the candidate nearest to word, if one is near enough to
// be a likely typo: at most a third of the word's length in edits (at
// least one), or equal but for case, or a prefix of at least three
// characters.
func Closest(word string, candidates []string) (string, bool) {
	lw := strings.ToLower(word)
	best, bestD := "", -1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == lw {
			return c, true
		}
		d := distance(lw, lc)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 {
		return "", false
	}
	if bestD <= max(1, len([]rune(word))/3) {
		return best, true
	}
	if len(lw) >= 3 {
		for _, c := range candidates {
			if strings.HasPrefix(strings.ToLower(c), lw) {
				return c, true
			}
		}
	}
	return "", false
}

// Unknown words an error about an unknown name: what it is, the name, the
// likely one and, when there are few enough to read, every valid one.
//
//	unknown bank "chsae"; did you mean "chase"? (one of chase, citi, usbank, wellsfargo)
func Unknown(what, word string, candidates []string) string {
	msg := fmt.Sprintf("unknown %s %q", what, word)
	if c, ok := Closest(word, candidates); ok {
		msg += fmt.Sprintf("; did you mean %q?", c)
	}
	if len(candidates) > 0 && len(candidates) <= 30 {
		sorted := slices.Clone(candidates)
		slices.Sort(sorted)
		msg += " (one of " + strings.Join(sorted, ", ") + ")"
	}
	return msg
}

// distance is the optimal string alignment distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n, m := len(ra), len(rb)
	// Three rows: the one before the previous (transpositions), the
	// previous and the current.
	pp, prev, cur := make([]int, m+1), make([]int, m+1), make([]int, m+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= n; i++ {
		cur[0] = i
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[m]
}
