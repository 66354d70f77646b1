//go:build !race

package store_test

const searchStride = 1
