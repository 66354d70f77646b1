//go:build race

package desk_test

// floodSmall: the race detector slows the pure-Go SQLite about twentyfold,
// so the flood test makes fewer tickets under it.
const floodSmall = true
