package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"handover/internal/api"
	"handover/internal/calendar"
)

// ---- a validator for the subset of JSON Schema the generator writes

// validate checks v (decoded with UseNumber) against s, resolving $ref in
// comps, and returns every mismatch with its JSON path.
func validate(s map[string]any, comps map[string]any, v any, path string) []string {
	if r, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(r, "#/components/schemas/")
		c, ok := comps[name].(map[string]any)
		if !ok {
			return []string{path + ": $ref to a missing schema " + name}
		}
		return validate(c, comps, v, path)
	}
	if v == nil {
		if s["nullable"] == true || len(s) == 0 {
			return nil
		}
		if all, ok := s["allOf"].([]any); ok && len(all) == 1 && s["nullable"] != true {
			return validate(all[0].(map[string]any), comps, v, path)
		}
		return []string{path + ": null where the schema does not allow it"}
	}
	var errs []string
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, validate(sub.(map[string]any), comps, v, path)...)
		}
	}
	if enum, ok := s["enum"].([]any); ok {
		if !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
			errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", path, v, enum))
		}
	}
	typ, _ := s["type"].(string)
	switch typ {
	case "":
	case "object":
		o, ok := v.(map[string]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %T, want an object", path, v))
		}
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, k := range req {
				if _, ok := o[k.(string)]; !ok {
					errs = append(errs, fmt.Sprintf("%s: required property %s is missing", path, k))
				}
			}
		}
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, validate(ps, comps, o[k], path+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					errs = append(errs, fmt.Sprintf("%s: property %s is not documented", path, k))
				}
			case map[string]any:
				errs = append(errs, validate(ap, comps, o[k], path+"."+k)...)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %T, want an array", path, v))
		}
		items, _ := s["items"].(map[string]any)
		for i, e := range a {
			errs = append(errs, validate(items, comps, e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %T %v, want a string", path, v, v))
		}
		switch s["format"] {
		case "date":
			if _, err := calendar.ParseDate(str); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date", path, str))
			}
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date-time", path, str))
			}
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			errs = append(errs, fmt.Sprintf("%s: %q does not match %s", path, str, p))
		}
	case "integer":
		n, ok := v.(json.Number)
		if _, err := strconv.ParseInt(string(n), 10, 64); !ok || err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v, want an integer", path, v))
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			errs = append(errs, fmt.Sprintf("%s: %v, want a number", path, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, fmt.Sprintf("%s: %v, want a boolean", path, v))
		}
	default:
		errs = append(errs, path+": the validator does not know type "+typ)
	}
	return errs
}

// decodeJSON decodes b keeping numbers as written.
func decodeJSON(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v in %s", err, b)
	}
	return v
}

// roundTrip turns a Go value into its JSON form as a client reads it.
func roundTrip(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return decodeJSON(t, b)
}

// document is the served OpenAPI document.
type document struct {
	Paths      map[string]map[string]map[string]any `json:"paths"`
	Components struct {
		Schemas map[string]any `json:"schemas"`
	} `json:"components"`
}

// responseSchema is the documented schema of an operation's answer with
// status (nil when the answer has no body).
func (d document) responseSchema(method, pattern string, status int) map[string]any {
	op := d.Paths[pattern][strings.ToLower(method)]
	resp, _ := op["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
	content, _ := resp["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	s, _ := media["schema"].(map[string]any)
	return s
}

func fetchDocument(t testing.TB, base string) document {
	t.Helper()
	resp, err := http.Get(base + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var d document
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestOpenAPISchemasAreTheTypes: for every route with Go types, the
// schemas the document serves are exactly the ones generated from the
// types the handler encodes and decodes, components included.
func TestOpenAPISchemasAreTheTypes(t *testing.T) {
	a := api.New(api.Deps{})
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	doc := fetchDocument(t, srv.URL)
	generated := 0
	for _, rt := range a.Routes() {
		status := rt.Status
		if status == 0 {
			status = 200
		}
		if rt.Response != nil {
			generated++
			want, comps := api.SchemaOf(rt.Response)
			got := doc.responseSchema(rt.Method, rt.Pattern, status)
			if !reflect.DeepEqual(roundTrip(t, got), roundTrip(t, want)) {
				t.Errorf("%s %s: the document's response schema %v is not the type's %v", rt.Method, rt.Pattern, got, want)
			}
			for name, c := range comps {
				if !reflect.DeepEqual(roundTrip(t, doc.Components.Schemas[name]), roundTrip(t, c)) {
					t.Errorf("%s %s: component %s differs from its type's schema", rt.Method, rt.Pattern, name)
				}
			}
		}
		if rt.Request != nil {
			want, _ := api.SchemaOf(rt.Request)
			op := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]
			got := op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
			if !reflect.DeepEqual(roundTrip(t, got), roundTrip(t, want)) {
				t.Errorf("%s %s: the document's request schema %v is not the type's %v", rt.Method, rt.Pattern, got, want)
			}
		}
	}
	// Every $ref resolves.
	b, _ := json.Marshal(doc)
	for _, m := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(b), -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
	t.Logf("%d of %d routes have generated response schemas", generated, len(a.Routes()))
}

// The validator fails on drift: a table of documented types and answers
// that do not fit them, each with the mismatch it must report.
func TestOpenAPIValidatorCatchesDrift(t *testing.T) {
	type item struct {
		ID    int64      `json:"id"`
		Due   string     `json:"due,omitempty"`
		Ended *time.Time `json:"ended"`
	}
	type answer struct {
		Items []item   `json:"items"`
		Note  string   `json:"note,omitempty"`
		Tags  []string `json:"tags,omitempty"`
		On    calendar.Date
	}
	tests := []struct {
		name, body string
		schemaOf   any
		want       string // "" for valid
	}{
		{"valid", `{"items":[{"id":1,"ended":null}],"On":"2026-09-28"}`, answer{}, ""},
		{"nil slice is null", `{"items":null,"On":"2026-09-28"}`, answer{}, ""},
		{"missing required", `{"On":"2026-09-28"}`, answer{}, "required property items is missing"},
		{"undocumented property (the Guide's text→message drift)", `{"items":[],"On":"2026-09-28","text":"x"}`, answer{}, "property text is not documented"},
		{"wrong type", `{"items":[{"id":"1","ended":null}],"On":"2026-09-28"}`, answer{}, "want an integer"},
		{"not a date", `{"items":[],"On":"28/09/2026"}`, answer{}, "is not a date"},
		{"not a date-time", `{"items":[{"id":1,"ended":"2026-09-28"}],"On":"2026-09-28"}`, answer{}, "is not a date-time"},
		{"null where not nullable", `{"items":[null],"On":"2026-09-28"}`, answer{}, "null where the schema does not allow it"},
		{"enum", `{"kind":"bakery","id":1,"name":"x","kind_label":"","jurisdiction":"652301","created_at":"2026-01-01T00:00:00Z"}`,
			orgShape(), "is not one of"},
		{"decimal", `{"amount":"1,000.00"}`, money{}, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, comps := api.SchemaOf(tt.schemaOf)
			c := map[string]any{}
			for k, v := range comps {
				c[k] = roundTrip(t, v)
			}
			errs := validate(roundTrip(t, s).(map[string]any), c, decodeJSON(t, []byte(tt.body)), "$")
			got := strings.Join(errs, "; ")
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("validate(%s) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

type money struct {
	Amount decimal.Decimal `json:"amount"`
}

// orgShape is the organisation answer's type, taken from the route table.
func orgShape() any {
	for _, rt := range api.New(api.Deps{}).Routes() {
		if rt.Method == "GET" && rt.Pattern == "/api/v1/organisations/{id}" {
			return rt.Response
		}
	}
	return nil
}
