package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

type attachmentJSON struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	ContentType string  `json:"content_type"`
	Size        int64   `json:"size"`
	URL         string  `json:"url"`
	Created     *string `json:"created"`
	Ticket      string  `json:"ticket"`
}

// upload takes one file as multipart/form-data (part "file"; optional
// field "internal" = 1 for agents), streaming it to the blob store.
func (a *API) upload(w http.ResponseWriter, r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return sympoq.Errorf(sympoq.EUnsupported, "send the file as multipart/form-data in a part named file")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return sympoq.FieldErr("file", sympoq.FieldInvalid, "the multipart body cannot be read: %v", err)
	}
	internal := false
	for {
		part, err := mr.NextPart()
		var tooBig *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			return sympoq.FieldErr("file", sympoq.FieldMissing, "is required: a multipart part named file")
		case errors.As(err, &tooBig):
			return sympoq.Errorf(sympoq.ETooLarge, "the body is too large")
		case err != nil:
			return sympoq.FieldErr("file", sympoq.FieldInvalid, "the multipart body is malformed")
		}
		switch part.FormName() {
		case "internal":
			b, _ := io.ReadAll(io.LimitReader(part, 8))
			switch string(b) {
			case "1", "true":
				internal = true
			case "0", "false", "":
			default:
				return sympoq.FieldErr("internal", sympoq.FieldInvalid, "must be 0 or 1")
			}
			continue
		case "file":
		default:
			return sympoq.FieldErr(part.FormName(), sympoq.FieldUnknown, "is not a field of an upload; send file (and internal)")
		}
		if part.FileName() == "" {
			return sympoq.FieldErr("file", sympoq.FieldInvalid, "must be a file with a name")
		}
		av, err := a.desk.Attach(r.Context(), actor(r), r.PathValue("id"), desk.AttachInput{Name: part.FileName(), Body: part, Internal: internal})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, attachmentJSON{ID: av.ID, Name: av.Name, ContentType: av.ContentType,
			Size: av.Size, Created: apiTime(av.Created), Ticket: av.Ticket.DisplayID,
			URL: baseURL(r) + Prefix + "/ticket/" + av.Ticket.DisplayID + "/attachment/" + strconv.FormatInt(av.ID, 10)})
		return nil
	}
}

// inlineTypes are the only types shown in the browser; everything else is
// a download.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

func (a *API) download(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "n")
	if err != nil {
		return err
	}
	att, f, err := a.desk.OpenAttachment(r.Context(), actor(r), r.PathValue("id"), id)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	disposition, ctype := "attachment", "application/octet-stream"
	if inlineTypes[att.ContentType] {
		disposition, ctype = "inline", att.ContentType
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": att.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", att.Created, f)
	return nil
}
