package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"handover/internal/problem"
)

// Bounds of the bodies checkText reads before the handler: the API reads
// at most maxJSON of JSON (a larger body is refused by its decoder), and no
// page takes a multipart form larger than maxUpload (the 楼盘表 and survey
// workbooks: 32 MiB and the form around them).
const (
	maxJSON   = 1 << 20
	maxUpload = 33 << 20
)

// checkText refuses, before any handler runs, text the platform could not
// store (problem.CheckText: a NUL byte or bytes that are not UTF-8)
// wherever a request carries text: the path, the query, a form's values
// (multipart included, with its files' names), and every string and key of
// a JSON body or the whole of a plain-text one. The answer is 400
// request.invalid_text naming the field, as JSON under /api/ and as the
// error page elsewhere; nothing is written.
//
// Forms are parsed here, so handlers find them parsed; a JSON or text body
// is read and handed on unchanged.
func (s *Server) checkText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server removes the temporary files of the form it parsed on
		// its own request, not on this copy.
		defer func() {
			if r.MultipartForm != nil {
				r.MultipartForm.RemoveAll()
			}
		}()
		if err := requestText(w, r); err != nil {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				s.api.WriteError(w, r, err)
			} else {
				s.pageError(w, r, err)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

func requestText(w http.ResponseWriter, r *http.Request) error {
	if err := problem.CheckText("路径", r.URL.Path); err != nil {
		return err
	}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		if err := valuesText(q); err != nil {
			return err
		}
	}
	raw := r.Header.Get("Content-Type")
	ct, _, _ := mime.ParseMediaType(raw)
	switch {
	case ct == "application/x-www-form-urlencoded":
		// A form that does not parse is the handler's to refuse, as before.
		if r.ParseForm() == nil {
			return valuesText(r.PostForm)
		}
	case ct == "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		if r.ParseMultipartForm(32<<20) == nil {
			if err := valuesText(r.MultipartForm.Value); err != nil {
				return err
			}
			for field, files := range r.MultipartForm.File {
				for _, fh := range files {
					if err := problem.CheckText(field, fh.Filename); err != nil {
						return err
					}
				}
			}
		}
	case strings.HasPrefix(raw, "application/json") || raw == "" && strings.HasPrefix(r.URL.Path, "/api/"):
		// The API's decoder takes a body without a Content-Type as JSON; a
		// body that is not JSON (an uploaded workbook) is left to it.
		body, whole, err := peekBody(r, maxJSON)
		if err != nil || !whole || !json.Valid(body) {
			return nil
		}
		if err := problem.CheckText("请求体", string(body)); err != nil {
			return err // not UTF-8: the decoder would silently replace it
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			return jsonText("", v)
		}
	case strings.HasPrefix(ct, "text/"):
		body, _, err := peekBody(r, maxJSON)
		if err == nil {
			return problem.CheckText("请求体", string(body))
		}
	}
	return nil
}

// peekBody reads up to limit bytes of the body and puts them back in front
// of the rest; whole reports that they are all of it.
func peekBody(r *http.Request, limit int64) (body []byte, whole bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	if int64(len(body)) > limit {
		return body[:limit], false, err
	}
	return body, true, err
}

func valuesText(vs map[string][]string) error {
	for k, list := range vs {
		if err := problem.CheckText(k, k); err != nil {
			return err
		}
		for _, v := range list {
			if err := problem.CheckText(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonText checks every string and key of a decoded JSON value; path names
// the value as a partner's system would (buyers[0].name).
func jsonText(path string, v any) error {
	field := path
	if field == "" {
		field = "请求体"
	}
	switch v := v.(type) {
	case string:
		return problem.CheckText(field, v)
	case []any:
		for i, e := range v {
			if err := jsonText(path+"["+strconv.Itoa(i)+"]", e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range v {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if err := problem.CheckText(p, k); err != nil {
				return err
			}
			if err := jsonText(p, e); err != nil {
				return err
			}
		}
	}
	return nil
}
