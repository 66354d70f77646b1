//go:build race

package jobs_test

// raceEnabled: the race detector (and its checkptr) slows the pure-Go SQLite
// about twentyfold, so the spike runs fewer transactions under it.
const raceEnabled = true
