package mail

import (
	"regexp"
	"strings"
)

// Patterns that start the quoted history of a reply, by mail client. Each
// is matched against one line, or two lines joined (clients wrap the
// attribution line).
var (
	// Gmail, Apple Mail, Thunderbird: "On Tue, 1 Dec 2026 at 10:00, Ann <a@x> wrote:"
	// and their translations.
	// In German and French the name may follow the verb ("Am … schrieb Ann:").
	attribution = regexp.MustCompile(`(?i)^(on|am|le|el|il|op|em|den|w dniu)\b.{4,300}\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napisał)\b.{0,120}:$`)
	// Outlook and old Thunderbird.
	originalMessage = regexp.MustCompile(`(?i)^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original)\s*-{2,}$`)
	// Outlook's header block: "From: …" followed by "Sent: …" (or Date).
	outlookFrom = regexp.MustCompile(`(?i)^\*?(from|von|de)\s*:\*?\s+\S`)
	outlookSent = regexp.MustCompile(`(?i)^\*?(sent|date|gesendet|envoyé|enviado)\s*:\*?\s+\S`)
	underscores = regexp.MustCompile(`^_{10,}$`)
	// A forward: what follows is the substance, not history to trim.
	forwarded = regexp.MustCompile(`(?i)^(-{2,}\s*(forwarded message|weitergeleitete nachricht|message transféré)\s*-{2,}|begin forwarded message:)$`)
)

// TrimQuoted returns the new part of a reply: the text above the quoted
// history that Gmail, Outlook, Apple Mail and Thunderbird add, without the
// trailing "> " quote block. Interleaved answers (text between quote
// blocks) are kept whole. If nothing would remain, the text is returned as
// it is.
func TrimQuoted(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	cut := len(lines)
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		next := ""
		if i+1 < len(lines) {
			next = strings.TrimSpace(lines[i+1])
		}
		if forwarded.MatchString(l) {
			break
		}
		switch {
		case attribution.MatchString(l):
		case l != "" && next != "" && !strings.HasPrefix(next, ">") && attribution.MatchString(l+" "+next):
		case originalMessage.MatchString(l):
		case underscores.MatchString(l) && i+1 < len(lines) && outlookFrom.MatchString(next):
		case outlookFrom.MatchString(l) && outlookBlock(lines[i+1:]):
		default:
			continue
		}
		cut = i
		break
	}
	kept := lines[:cut]
	// Drop the trailing quote block and blank lines.
	end := len(kept)
	for end > 0 {
		l := strings.TrimSpace(kept[end-1])
		if l == "" || strings.HasPrefix(l, ">") {
			end--
			continue
		}
		break
	}
	out := strings.TrimRight(strings.Join(kept[:end], "\n"), " \t\n")
	if strings.TrimSpace(out) == "" {
		return strings.TrimRight(text, " \t\r\n")
	}
	return out
}

// outlookBlock reports whether the lines after a "From:" line are the rest
// of Outlook's quoted header: a Sent/Date line within the next three.
func outlookBlock(rest []string) bool {
	for i := 0; i < len(rest) && i < 3; i++ {
		if outlookSent.MatchString(strings.TrimSpace(rest[i])) {
			return true
		}
	}
	return false
}
