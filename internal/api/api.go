// Package api is the platform's JSON API under /api/v1, for partners'
// systems (other departments, banks, utilities) and for the pages' own
// scripts. Every operation is one entry of the route table: method, pattern,
// the access action it needs, its documentation, and its handler; the
// OpenAPI document at /api/openapi.json is built from the same table.
//
// Errors are {"error":{"code","message","fields","reasons"}} with the
// status of the error's kind (400/401/403/404/409/422).
package api

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
)

// Deps are what the API needs from the server.
type Deps struct {
	DB       *store.DB
	Calendar *calendar.Source
	Now      func() time.Time
	Log      *slog.Logger
	Hash     identity.HashParams
	BaseURL  string               // external base URL, for links in responses (verification URLs)
	Keys     *certificate.Keyring // the authorities' unlocked signing keys (nil: certificates cannot be signed)
	Wake     func()               // wakes the background worker after queueing work (optional)
}

// API serves the JSON API.
type API struct {
	Deps
	routes       []Route
	tables       *tableCache // the 楼盘表 JSON staff read (with its marks)
	publicTables *tableCache // the public's (without)
}

// Route is one operation of the API.
type Route struct {
	Method  string
	Pattern string        // ServeMux pattern path, e.g. /api/v1/users/{id}
	Action  access.Action // the access action the handler decides on
	Tag     string        // OpenAPI tag (Chinese section name)
	Summary string
	Params  []Param
	Body    string // "text" for a text/plain body, "xlsx" for a workbook; "" for none or a JSON Request
	// Request and Response are zero values of the types the handler
	// decodes and encodes; the document's schemas are generated from them
	// (schema.go). A nil Response is a body-less answer.
	Request  any
	Response any
	Status   int // 2xx status (default 200)
	handle   func(w http.ResponseWriter, r *http.Request) error
}

// Param documents a path or query parameter.
type Param struct {
	Name, In, Desc string // In: "path" or "query"
	Required       bool
	Type           string // "string" (default), "integer", "boolean"
}

// New returns the API with every route of the platform.
func New(d Deps) *API {
	a := &API{Deps: d, tables: &tableCache{}, publicTables: &tableCache{}}
	a.routes = append(a.routes, a.foundationRoutes()...)
	a.routes = append(a.routes, a.guideRoutes()...)
	a.routes = append(a.routes, a.ledgerRoutes()...)
	a.routes = append(a.routes, a.contractRoutes()...)
	a.routes = append(a.routes, a.completionRoutes()...)
	a.routes = append(a.routes, a.registrationRoutes()...)
	a.routes = append(a.routes, a.inquiryRoutes()...)
	a.routes = append(a.routes, a.registerLogRoutes()...)
	a.routes = append(a.routes, a.paperRoutes()...)
	a.routes = append(a.routes, a.supervisionRoutes()...)
	a.routes = append(a.routes, a.creditRoutes()...)
	a.routes = append(a.routes, a.dashboardRoutes()...)
	return a
}

// Routes returns the route table.
func (a *API) Routes() []Route { return a.routes }

// Register adds every route and the OpenAPI document to mux.
func (a *API) Register(mux *http.ServeMux) {
	for _, rt := range a.routes {
		mux.Handle(rt.Method+" "+rt.Pattern, a.adapt(rt.handle))
	}
	mux.HandleFunc("GET /api/openapi.json", a.serveOpenAPI)
	mux.Handle("/api/", a.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return problem.New(problem.NotFound, "api.not_found", "接口不存在："+r.Method+" "+r.URL.Path)
	}))
}

// adapt turns a handler that returns an error into an http.Handler that
// writes the error as JSON and audits a denial.
func (a *API) adapt(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.WriteError(w, r, err)
		}
	})
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code" doc:"稳定的错误代码，如 access.denied" example:"access.denied"`
	Message string            `json:"message" doc:"中文说明"`
	Fields  map[string]string `json:"fields,omitempty" doc:"字段错误"`
	Reasons []problem.Reason  `json:"reasons,omitempty"`
}

// WriteError writes err as the API's JSON error and audits a denial.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := problem.As(err)
	switch e.Kind {
	case problem.Internal:
		a.Log.ErrorContext(r.Context(), "api internal error", "route", r.Pattern, "err", err)
	case problem.Forbidden:
		if err := a.DB.RecordDenial(r.Context(), identity.ActorFrom(r.Context()), r.Method, r.URL.Path, e.Message); err != nil {
			a.Log.ErrorContext(r.Context(), "audit denial", "err", err)
		}
	}
	if e.Kind == problem.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="handover"`)
	}
	writeJSON(w, e.Kind.Status(), errorBody{Error: errorDetail{Code: e.Code, Message: e.Message, Fields: e.Fields, Reasons: e.Reasons}})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	jsonHeader(w, status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeEncoded writes an answer already encoded (as writeJSON would encode
// it, with its trailing newline), under the same headers.
func writeEncoded(w http.ResponseWriter, status int, body []byte) error {
	jsonHeader(w, status)
	_, err := w.Write(body)
	return err
}

func jsonHeader(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

// decode reads a JSON body into v: at most 1 MiB, no unknown fields.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return problem.New(problem.Invalid, "request.content_type", "请求体应为application/json")
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problem.Newf(problem.Invalid, "request.body", "请求体不是有效的JSON：%v", err)
	}
	return nil
}

// principal returns the request's principal.
func principal(r *http.Request) *identity.Principal { return identity.PrincipalFrom(r.Context()) }

// decide checks the request's principal against the policy.
func decide(r *http.Request, a access.Action, t access.Target) error {
	return access.Decide(principal(r), a, t)
}

// filter returns the rows the principal may list.
func filter(r *http.Request, a access.Action) (access.Filter, error) {
	return access.ListFilter(principal(r), a)
}

// pathID parses a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, problem.Newf(problem.Invalid, "request.path", "路径参数%s应为正整数", name)
	}
	return id, nil
}

// queryInt parses an optional integer query parameter.
// pageParams are a list's paging parameters.
func pageParams() []Param {
	return []Param{{Name: "page", In: "query", Type: "integer", Desc: "页码，从1起（默认1；超过末页时返回末页）"},
		{Name: "per_page", In: "query", Type: "integer", Desc: fmt.Sprintf("每页条数（默认%d，最多%d）", store.PageSize, store.MaxPageSize)}}
}

// queryPage reads a list's page and page size (?page, ?per_page).
func queryPage(r *http.Request) (store.Page, error) {
	n, err := queryInt(r, "page", 1)
	if err != nil {
		return store.Page{}, err
	}
	size, err := queryInt(r, "per_page", store.PageSize)
	if err != nil {
		return store.Page{}, err
	}
	if n < 1 || size < 1 || size > store.MaxPageSize {
		return store.Page{}, &problem.Error{Kind: problem.Invalid, Code: "request.query", Message: "查询参数有误",
			Fields: map[string]string{"page": fmt.Sprintf("页码应不小于1，每页条数应为1–%d", store.MaxPageSize)}}
	}
	return store.Page{Number: int(n), Size: int(size)}, nil
}

func queryInt(r *http.Request, name string, def int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &problem.Error{Kind: problem.Invalid, Code: "request.query", Message: "查询参数有误",
			Fields: map[string]string{name: "应为整数"}}
	}
	return v, nil
}
