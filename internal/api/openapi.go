package api

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

// openAPI is the OpenAPI 3.1 document of the whole API (api.md §1), written
// by hand. The tests check that it has an operation for every route of
// Routes and Public and no other, and that every answer the server and
// end-to-end tests receive matches it.
//
//go:embed openapi.json
var openAPI []byte

// openAPIETag identifies this build's document, so that clients can cache it.
var openAPIETag = func() string {
	sum := sha256.Sum256(openAPI)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// OpenAPI returns the document as served. The caller must not modify it.
func OpenAPI() []byte { return openAPI }

// Public is the part of the API served without authentication: the
// OpenAPI document. The server mounts these routes as they are, outside
// Authenticate and outside any account.
func (a *API) Public() []Route {
	return []Route{{Pattern: "GET " + Prefix + "/openapi.json", Handler: http.HandlerFunc(serveOpenAPI)}}
}

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("ETag", openAPIETag)
	h.Set("Cache-Control", "public, max-age=3600")
	// ServeContent answers If-None-Match with 304 and HEAD without a body.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(openAPI))
}
