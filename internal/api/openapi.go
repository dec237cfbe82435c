package api

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"handover/internal/access"
)

// The OpenAPI 3 document is built from the route table, and every schema in
// it from the Go types the handlers decode and encode (schema.go), so that
// it cannot drift from the routes the server registers nor from what they
// answer.

type js = map[string]any

func ref(name string) js { return js{"$ref": "#/components/schemas/" + name} }

// OpenAPI returns the document.
func (a *API) OpenAPI() js {
	paths := js{}
	tags := map[string]bool{}
	gen := newSchemaGen()
	errRef := gen.Ref(errorBody{})
	for _, rt := range a.routes {
		item, _ := paths[rt.Pattern].(js)
		if item == nil {
			item = js{}
			paths[rt.Pattern] = item
		}
		item[strings.ToLower(rt.Method)] = operation(rt, gen, errRef)
		tags[rt.Tag] = true
	}
	names := slices.Sorted(maps.Keys(tags))
	tagList := make([]js, len(names))
	for i, t := range names {
		tagList[i] = js{"name": t}
	}
	return js{
		"openapi": "3.0.3",
		"info": js{
			"title":       "交房即交证 一窗办事平台 API",
			"version":     "1",
			"description": "不动产登记、商品房预售、竣工验收与交房交证的数据接口。除编码校验、工作日计算与公开查询外，接口需以 Authorization: Bearer 令牌认证（令牌由系统管理员创建）。错误格式：{\"error\":{\"code\",\"message\",\"fields\",\"reasons\"}}。",
		},
		"servers": []js{{"url": "/"}},
		"tags":    tagList,
		"paths":   paths,
		"components": js{
			"schemas": gen.defs,
			"securitySchemes": js{
				"bearer":  js{"type": "http", "scheme": "bearer"},
				"session": js{"type": "apiKey", "in": "cookie", "name": "handover_session"},
			},
		},
		"security": []js{{"bearer": []string{}}, {"session": []string{}}},
	}
}

// operation documents one route: its parameters, its request body (the
// Go type it decodes, or text or a workbook), its answer (the type it
// encodes) and the error answers every route may give.
func operation(rt Route, gen *schemaGen, errRef js) js {
	op := js{
		"operationId": operationID(rt),
		"summary":     rt.Summary,
		"tags":        []string{rt.Tag},
		"x-access":    string(rt.Action),
	}
	var params []js
	for _, p := range rt.Params {
		t := p.Type
		if t == "" {
			t = "string"
		}
		params = append(params, js{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path",
			"description": p.Desc, "schema": js{"type": t}})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if body := requestBody(rt, gen); body != nil {
		op["requestBody"] = body
	}
	status := rt.Status
	if status == 0 {
		status = 200
	}
	ok := js{"description": "成功"}
	if rt.Response != nil {
		ok["content"] = js{"application/json": js{"schema": gen.Ref(rt.Response)}}
	}
	responses := js{strconv.Itoa(status): ok}
	errResp := js{"description": "错误", "content": js{"application/json": js{"schema": errRef}}}
	for _, code := range []string{"400", "401", "403", "404", "409", "422"} {
		responses[code] = errResp
	}
	// The public operations are rate-limited per client address (web.PublicLimit).
	if access.Public(rt.Action) {
		responses["429"] = js{"description": "请求过于频繁（错误代码 request.too_many）：按 Retry-After 头所示秒数后重试",
			"headers": js{"Retry-After": js{"description": "可重试前应等待的秒数", "schema": js{"type": "integer"}}},
			"content": js{"application/json": js{"schema": errRef}}}
	}
	op["responses"] = responses
	return op
}

// requestBody documents what a route reads: the Go type it decodes, text,
// or a workbook (nil: nothing). A route naming another kind of body is a
// programming error.
func requestBody(rt Route, gen *schemaGen) js {
	content := func(mime string, schema js) js {
		return js{"required": true, "content": js{mime: js{"schema": schema}}}
	}
	switch {
	case rt.Request != nil:
		return content("application/json", gen.Ref(rt.Request))
	case rt.Body == "":
		return nil
	case rt.Body == "text":
		return content("text/plain", js{"type": "string"})
	case rt.Body == "xlsx":
		return content("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", js{"type": "string", "format": "binary"})
	}
	panic("api: route " + rt.Method + " " + rt.Pattern + " has an unknown body kind " + rt.Body)
}

// SchemaOf returns the schema the document gives a value of v's type and
// the components it refers to: the drift tests compare it with the served
// document and check responses against it.
func SchemaOf(v any) (schema map[string]any, components map[string]map[string]any) {
	gen := newSchemaGen()
	s := gen.Ref(v)
	components = map[string]map[string]any{}
	for name, c := range gen.defs {
		components[name] = c
	}
	return s, components
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.Split(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/") {
		part = strings.Trim(part, "{}")
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '-' || r == '_' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, a.OpenAPI())
}
