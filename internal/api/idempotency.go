package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/sympoq/sympoq"
)

// maxIdempotentBody bounds the body of a POST made with an Idempotency-Key,
// which is read whole to be hashed; larger uploads cannot carry a key.
const maxIdempotentBody = 8 << 20

// maxStoredResponse bounds a response kept for replay.
const maxStoredResponse = 8 << 20

// replayHeaders are the response headers a replay repeats.
var replayHeaders = []string{"Content-Type", "ETag", "Location", "Link", "X-Next-Cursor", "X-Total-Count"}

// idempotent runs a POST at most once per Idempotency-Key of the caller's
// API key (api.md §6): the first response is stored and replayed for the
// same key and body with Idempotent-Replayed: true; the same key with
// another body is 422; while the first is in flight, 409. A response that
// is a server error is not kept, so a retry runs again.
func (a *API) idempotent(w http.ResponseWriter, r *http.Request, accountID, apiKeyID int64, next http.Handler) error {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || r.Method != http.MethodPost {
		next.ServeHTTP(w, r)
		return nil
	}
	if len(key) > 255 || !printable(key) {
		return sympoq.FieldErr("Idempotency-Key", sympoq.FieldInvalid, "must be 1-255 printable ASCII characters")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxIdempotentBody+1))
	if err != nil {
		return sympoq.FieldErr("body", sympoq.FieldInvalid, "could not be read")
	}
	if len(body) > maxIdempotentBody {
		return sympoq.Errorf(sympoq.ETooLarge, "a request with an Idempotency-Key may have at most %d MB of body", maxIdempotentBody>>20)
	}
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.RequestURI() + "\n"))
	h.Write(body)
	hash := hex.EncodeToString(h.Sum(nil))

	claimed, rec, err := a.desk.ClaimIdempotencyKey(r.Context(), accountID, apiKeyID, key, hash)
	if err != nil {
		return err
	}
	if !claimed {
		switch {
		case rec.BodyHash != hash:
			return sympoq.Errorf(EIdempotencyMismatch, "this Idempotency-Key was used for another request; use a new key")
		case rec.InFlight:
			return sympoq.Errorf(sympoq.EConflict, "a request with this Idempotency-Key is still in progress; retry later")
		}
		for k, v := range rec.Headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(rec.Status)
		_, _ = w.Write(rec.Body)
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	rw := &recorder{ResponseWriter: w, status: http.StatusOK}
	next.ServeHTTP(rw, r)
	headers := map[string]string{}
	for _, k := range replayHeaders {
		if v := w.Header().Get(k); v != "" {
			headers[k] = v
		}
	}
	stored := rw.buf.Bytes()
	if rw.overflow {
		stored = nil
	}
	// The request's own context may be gone (client hung up); the record
	// must still be written.
	if err := a.desk.FinishIdempotencyKey(context.WithoutCancel(r.Context()), accountID, apiKeyID, key, rw.status, headers, stored); err != nil {
		a.logger.ErrorContext(r.Context(), "store idempotent response", "err", err)
	}
	return nil
}

// EIdempotencyMismatch is the code of a key reused with another body (422).
const EIdempotencyMismatch = "idempotency_key_reused"

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// recorder passes a response through while keeping a copy of it.
type recorder struct {
	http.ResponseWriter
	status   int
	buf      bytes.Buffer
	overflow bool
	wrote    bool
}

func (rw *recorder) WriteHeader(code int) {
	if !rw.wrote {
		rw.status, rw.wrote = code, true
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(b []byte) (int, error) {
	rw.wrote = true
	if rw.buf.Len()+len(b) > maxStoredResponse {
		rw.overflow = true
	} else {
		rw.buf.Write(b)
	}
	return rw.ResponseWriter.Write(b)
}
