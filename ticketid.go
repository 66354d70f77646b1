package sympoq

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// IDToken is one part of a ticket ID format: a literal run, or a token such
// as {YYYY}, {SEQ:6}, {L} or {X:3} (product.md §4.3).
type IDToken struct {
	Kind    string // "lit", "YYYY", "YY", "MM", "DD", "SEQ", "L", "X"
	Literal string
	Width   int // SEQ padding or X length
}

// MaxTicketIDFormatLen bounds a ticket ID format.
const MaxTicketIDFormatLen = 64

// ParseTicketIDFormat splits a ticket ID format into tokens.
func ParseTicketIDFormat(f string) ([]IDToken, error) {
	if f == "" {
		return nil, fmt.Errorf("must not be empty")
	}
	if len(f) > MaxTicketIDFormatLen {
		return nil, fmt.Errorf("must be at most %d characters", MaxTicketIDFormatLen)
	}
	var toks []IDToken
	for i := 0; i < len(f); {
		c := f[i]
		if c == '{' {
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("has an unclosed { at position %d", i+1)
			}
			tok, err := parseIDToken(f[i+1 : i+end])
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok)
			i += end + 1
			continue
		}
		if !isIDLiteral(c) {
			return nil, fmt.Errorf("has %q at position %d; literals may be A-Z a-z 0-9 - _ . #", c, i+1)
		}
		if n := len(toks); n > 0 && toks[n-1].Kind == "lit" {
			toks[n-1].Literal += string(c)
		} else {
			toks = append(toks, IDToken{Kind: "lit", Literal: string(c)})
		}
		i++
	}
	return toks, nil
}

func parseIDToken(s string) (IDToken, error) {
	name, arg, hasArg := strings.Cut(s, ":")
	switch name {
	case "YYYY", "YY", "MM", "DD", "L":
		if hasArg {
			return IDToken{}, fmt.Errorf("token {%s} takes no width", name)
		}
		return IDToken{Kind: name}, nil
	case "SEQ", "X":
		w := 0
		if hasArg {
			n, err := strconv.Atoi(arg)
			if err != nil || n < 1 || n > 12 {
				return IDToken{}, fmt.Errorf("token {%s} needs a width from 1 to 12", s)
			}
			w = n
		} else if name == "X" {
			return IDToken{}, fmt.Errorf("token {X} needs a length, as in {X:3}")
		}
		return IDToken{Kind: name, Width: w}, nil
	}
	return IDToken{}, fmt.Errorf("has unknown token {%s}; known: {YYYY} {YY} {MM} {DD} {SEQ} {SEQ:n} {L} {X:n}", s)
}

func isIDLiteral(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '#'
}

// ValidateTicketIDFormat checks that f parses and can yield unique ids: it
// needs {SEQ} or at least three random characters.
func ValidateTicketIDFormat(f string) error {
	toks, err := ParseTicketIDFormat(f)
	if err != nil {
		return err
	}
	random := 0
	for _, t := range toks {
		switch t.Kind {
		case "SEQ":
			return nil
		case "L":
			random++
		case "X":
			random += t.Width
		}
	}
	if random < 3 {
		return fmt.Errorf("cannot yield unique ids: it needs {SEQ} or at least 3 random characters ({L}, {X:n})")
	}
	return nil
}

// TicketIDGenerator makes display ids from a parsed format.
type TicketIDGenerator struct {
	toks []IDToken
}

// NewTicketIDGenerator parses and validates a format.
func NewTicketIDGenerator(format string) (*TicketIDGenerator, error) {
	if err := ValidateTicketIDFormat(format); err != nil {
		return nil, err
	}
	toks, _ := ParseTicketIDFormat(format)
	return &TicketIDGenerator{toks: toks}, nil
}

// UsesSequence reports whether the format consumes the account's sequence.
func (g *TicketIDGenerator) UsesSequence() bool {
	for _, t := range g.toks {
		if t.Kind == "SEQ" {
			return true
		}
	}
	return false
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// Generate returns the id for a ticket created at t (already in the
// account's zone) with sequence number seq; rnd(n) returns a uniform random
// integer in [0, n).
func (g *TicketIDGenerator) Generate(t time.Time, seq int64, rnd func(n int) int) string {
	var b strings.Builder
	for _, tok := range g.toks {
		switch tok.Kind {
		case "lit":
			b.WriteString(tok.Literal)
		case "YYYY":
			fmt.Fprintf(&b, "%04d", t.Year())
		case "YY":
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case "MM":
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case "DD":
			fmt.Fprintf(&b, "%02d", t.Day())
		case "SEQ":
			fmt.Fprintf(&b, "%0*d", tok.Width, seq)
		case "L":
			b.WriteByte(idAlphabet[rnd(26)])
		case "X":
			for i := 0; i < tok.Width; i++ {
				b.WriteByte(idAlphabet[rnd(len(idAlphabet))])
			}
		}
	}
	return b.String()
}
