package desk

import "time"

// WithWriteSlice sets how long one transaction of the scheduler may hold
// the write lock before it leaves the rest of its batch to the next one.
func WithWriteSlice(d time.Duration) Option { return func(s *Service) { s.writeSlice = d } }
