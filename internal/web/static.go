package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded stylesheet and script. Their URLs carry a
// version (?v=), so browsers may keep them for a year: a new build has a new
// version and so new URLs.
type assets struct {
	version string
	files   map[string][]byte
}

func newAssets(version string) *assets {
	a := &assets{files: map[string][]byte{}}
	h := sha256.New()
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		a.files[e.Name()] = b
		h.Write([]byte(e.Name()))
		h.Write(b)
	}
	a.version = version
	if a.version == "" {
		a.version = hex.EncodeToString(h.Sum(nil))[:12]
	}
	return a
}

// url is the address of an asset, for templates.
func (a *assets) url(name string) string { return "/app/static/" + name + "?v=" + a.version }

func (a *assets) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b, ok := a.files[name]
	if !ok {
		http.NotFound(rw, r)
		return
	}
	h := rw.Header()
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	}
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+a.version+`"`)
	if r.Header.Get("If-None-Match") == `"`+a.version+`"` {
		rw.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = rw.Write(b)
}
