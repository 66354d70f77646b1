//go:build race

package store_test

// searchStride: the race detector slows the pure-Go SQLite about twentyfold,
// so under it TestTicketSearch tries one in searchStride of its plan and
// page-size combinations for each scope, filter and query; it is prime to
// their twenty, so the ones tried move on from one query to the next and
// every plan is tried with both sizes. .ci/run also runs the test whole
// without the race detector.
const searchStride = 7
