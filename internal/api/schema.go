package api

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/shopspring/decimal"

	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/code"
	"handover/internal/completion"
	"handover/internal/credit"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/registry"
	"handover/internal/supervision"
)

// The schemas of requests and responses are generated from the Go types the
// handlers decode and encode, so that the document says what the server
// sends. The rules:
//
//   - a struct field is a property named by its json tag (untagged exported
//     fields by their Go name, "-" skipped, embedded structs flattened);
//     a field without omitempty is required; a struct allows no other
//     properties;
//   - a named struct is a component named after its Go type (first letter
//     upper case, a trailing "JSON" dropped: orgJSON is Org); the same name
//     from two packages takes the package's name as a prefix;
//   - slices and arrays are arrays, maps are objects whose
//     additionalProperties are the values; both are nullable when the field
//     is not omitempty (Go writes a nil slice or map as null);
//   - a pointer is the pointed-to schema, nullable;
//   - time.Time is a date-time string, calendar.Date a date string,
//     decimal.Decimal a string of a decimal number, any other type that
//     marshals itself as text a string;
//   - a code type listed by enumValues carries its values as the enum;
//   - the tags doc:"…" (description), example:"…" and enum:"a,b,c" (for a
//     plain string field with a closed set of values) annotate a field.

// decimalPattern is what decimal.Decimal marshals to.
const decimalPattern = `^-?[0-9]+(\.[0-9]+)?$`

// enumValues returns the closed set of values of a code type, or nil when
// t is not one. The lists are the domain packages' own.
func enumValues(t reflect.Type) []string {
	strs := func(vs any) []string {
		v := reflect.ValueOf(vs)
		out := make([]string, v.Len())
		for i := range out {
			out[i] = v.Index(i).String()
		}
		return out
	}
	switch t {
	case reflect.TypeFor[identity.OrgKind]():
		return strs(identity.OrgKinds)
	case reflect.TypeFor[identity.Role]():
		return strs(identity.Roles)
	case reflect.TypeFor[identity.JurisdictionKind]():
		return strs([]identity.JurisdictionKind{identity.Prefecture, identity.County, identity.Park})
	case reflect.TypeFor[supervision.AlertKind]():
		return strs(supervision.AlertKinds)
	case reflect.TypeFor[supervision.Severity]():
		return strs([]supervision.Severity{supervision.Notice, supervision.Warning, supervision.Critical})
	case reflect.TypeFor[supervision.AlertState]():
		return strs([]supervision.AlertState{supervision.Open, supervision.Acknowledged, supervision.Resolved})
	case reflect.TypeFor[supervision.UnitStage]():
		return strs(supervision.UnitStages)
	case reflect.TypeFor[supervision.ProjectStage]():
		return strs(supervision.ProjectStages)
	case reflect.TypeFor[credit.EventKind]():
		return strs(credit.EventKinds)
	case reflect.TypeFor[completion.ItemKind]():
		return strs(completion.ItemKinds)
	case reflect.TypeFor[ledger.State]():
		return strs(ledger.States)
	case reflect.TypeFor[registry.ServiceKind]():
		return strs(registry.ServiceKinds)
	case reflect.TypeFor[registry.ServiceState]():
		return strs([]registry.ServiceState{registry.Accepted, registry.Reviewed, registry.Approved, registry.Recorded,
			registry.Certified, registry.Issued, registry.ReturnedSt, registry.Withdrawn})
	case reflect.TypeFor[registry.Step]():
		return strs([]registry.Step{registry.StepAccept, registry.StepReview, registry.StepReview2, registry.StepReturn,
			registry.StepRecord, registry.StepCertify, registry.StepIssue, registry.StepWithdraw})
	case reflect.TypeFor[registry.Kind]():
		return strs([]registry.Kind{registry.Ownership, registry.Mortgage, registry.PreNotice, registry.Seal, registry.Objection,
			registry.Cancellation, registry.Correction})
	case reflect.TypeFor[registry.Status]():
		return strs([]registry.Status{registry.Current, registry.History, registry.Terminated, registry.Temporary})
	case reflect.TypeFor[presale.ContractState]():
		return strs([]presale.ContractState{presale.Draft, presale.Sent, presale.Signed, presale.Filed, presale.Withdrawn, presale.Cancelled})
	case reflect.TypeFor[presale.Ownership]():
		return strs([]presale.Ownership{presale.Sole, presale.Joint, presale.Shares})
	case reflect.TypeFor[presale.PriceBasis]():
		return strs([]presale.PriceBasis{presale.ByGross, presale.ByInner, presale.ByUnit})
	case reflect.TypeFor[presale.Payment]():
		return strs([]presale.Payment{presale.Lump, presale.Commercial, presale.Fund})
	case reflect.TypeFor[completion.SurveyState]():
		return strs([]completion.SurveyState{completion.Submitted, completion.Accepted, completion.Returned, completion.Superseded})
	case reflect.TypeFor[completion.CaseState]():
		return strs([]completion.CaseState{completion.Inspecting, completion.Rejected, completion.Passed})
	case reflect.TypeFor[completion.Result]():
		return strs([]completion.Result{completion.Pending, completion.Pass, completion.Fail})
	case reflect.TypeFor[completion.CommitmentKind]():
		return strs([]completion.CommitmentKind{completion.FinalAccount, completion.Archives, completion.Material})
	case reflect.TypeFor[handover.Mode]():
		return strs([]handover.Mode{handover.OnSite, handover.Entrusted})
	case reflect.TypeFor[handover.UnitState]():
		return strs([]handover.UnitState{handover.Pending, handover.HandedOver, handover.UnitBlocked})
	case reflect.TypeFor[handover.Target]():
		return strs([]handover.Target{handover.Filing, handover.FirstRegistration, handover.Delivery})
	case reflect.TypeFor[certificate.Kind]():
		return strs([]certificate.Kind{certificate.Title, certificate.Proof})
	}
	return nil
}

// schemaGen turns Go types into JSON Schemas, collecting the named
// components it meets.
type schemaGen struct {
	defs  map[string]js           // component name → schema
	names map[reflect.Type]string // named struct → its component name
}

func newSchemaGen() *schemaGen {
	return &schemaGen{defs: map[string]js{}, names: map[reflect.Type]string{}}
}

// componentName is the name of a named struct's component.
func (g *schemaGen) componentName(t reflect.Type) string {
	if n, ok := g.names[t]; ok {
		return n
	}
	n := strings.TrimSuffix(t.Name(), "JSON")
	switch t {
	case reflect.TypeFor[errorBody]():
		n = "Error"
	case reflect.TypeFor[code.Result]():
		n = "CodeCheck"
	}
	if i := strings.IndexByte(n, '['); i >= 0 { // generic instance
		n = n[:i]
	}
	r := []rune(n)
	r[0] = unicode.ToUpper(r[0])
	n = string(r)
	for taken := true; taken; {
		taken = false
		for other, name := range g.names {
			if name == n && other != t {
				pkg := t.PkgPath()[strings.LastIndexByte(t.PkgPath(), '/')+1:]
				n = strings.ToUpper(pkg[:1]) + pkg[1:] + n
				taken = true
				break
			}
		}
	}
	g.names[t] = n
	return n
}

// Ref returns the schema of a value of v's type: a $ref for a named
// struct (generating its component), inline otherwise.
func (g *schemaGen) Ref(v any) js { return g.schema(reflect.TypeOf(v)) }

func (g *schemaGen) schema(t reflect.Type) js {
	switch t {
	case reflect.TypeFor[time.Time]():
		return js{"type": "string", "format": "date-time"}
	case reflect.TypeFor[calendar.Date]():
		return js{"type": "string", "format": "date"}
	case reflect.TypeFor[decimal.Decimal]():
		return js{"type": "string", "pattern": decimalPattern}
	case reflect.TypeFor[json.RawMessage]():
		return js{}
	}
	if vs := enumValues(t); vs != nil {
		return js{"type": "string", "enum": vs}
	}
	textMarshaler, jsonMarshaler := reflect.TypeFor[encoding.TextMarshaler](), reflect.TypeFor[json.Marshaler]()
	if t.Kind() != reflect.Pointer && (t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler)) &&
		!t.Implements(jsonMarshaler) {
		return js{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.schema(t.Elem())
		return nullable(s)
	case reflect.Bool:
		return js{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s := js{"type": "integer"}
		if t.Kind() == reflect.Int64 || t.Kind() == reflect.Uint64 {
			s["format"] = "int64"
		}
		return s
	case reflect.Float32, reflect.Float64:
		return js{"type": "number"}
	case reflect.String:
		return js{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return js{"type": "string", "format": "byte"}
		}
		return js{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return js{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return js{}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name := g.componentName(t)
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = js{} // placeholder: a recursive type refers to itself
			g.defs[name] = g.object(t)
		}
		return ref(name)
	}
	panic("api: no schema for " + t.String())
}

// nullable marks s as also allowing null (a $ref through allOf, since a
// $ref's siblings are ignored).
func nullable(s js) js {
	if _, ok := s["$ref"]; ok {
		return js{"allOf": []js{s}, "nullable": true}
	}
	out := js{}
	for k, v := range s {
		out[k] = v
	}
	out["nullable"] = true
	return out
}

// object is the schema of a struct's JSON object.
func (g *schemaGen) object(t reflect.Type) js {
	props := js{}
	var required []string
	g.fields(t, props, &required)
	o := js{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		slices.Sort(required)
		o["required"] = required
	}
	return o
}

func (g *schemaGen) fields(t reflect.Type, props js, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omitempty := slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
		var s js
		if slices.Contains(strings.Split(opts, ","), "string") {
			s = js{"type": "string"}
		} else {
			s = g.schema(f.Type)
		}
		if k := f.Type.Kind(); (k == reflect.Slice && f.Type.Elem().Kind() != reflect.Uint8 || k == reflect.Map) && !omitempty {
			s = nullable(s)
		}
		if vs := f.Tag.Get("enum"); vs != "" {
			s = withKey(s, "enum", strings.Split(vs, ","))
		}
		if d := f.Tag.Get("doc"); d != "" {
			if _, isRef := s["$ref"]; isRef {
				s = js{"allOf": []js{s}}
			}
			s = withKey(s, "description", d)
		}
		if ex, ok := f.Tag.Lookup("example"); ok {
			s = withKey(s, "example", exampleValue(s, ex))
		}
		props[name] = s
		if !omitempty {
			*required = append(*required, name)
		}
	}
}

// withKey returns a copy of s with k set to v.
func withKey(s js, k string, v any) js {
	out := js{}
	for key, val := range s {
		out[key] = val
	}
	out[k] = v
	return out
}

// exampleValue converts an example tag to the schema's type.
func exampleValue(s js, ex string) any {
	switch s["type"] {
	case "integer":
		if n, err := strconv.ParseInt(ex, 10, 64); err == nil {
			return n
		}
	case "boolean":
		if b, err := strconv.ParseBool(ex); err == nil {
			return b
		}
	}
	return ex
}
