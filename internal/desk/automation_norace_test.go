//go:build !race

package desk_test

const floodSmall = false
