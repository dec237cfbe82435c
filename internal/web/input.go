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
				s.pageError(w, r, labelField(err))
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
	if r.URL.RawQuery != "" {
		if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
			if err := valuesText(q); err != nil {
				return err
			}
		}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil // a GET: no body to check (the server's request has NoBody)
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

// fieldLabels name the pages' form fields as their labels do, so that a
// clerk told of a bad character reads which box holds it (the API names
// its JSON fields as they are).
var fieldLabels = map[string]string{
	"reason": "理由", "note": "备注", "name": "名称或姓名", "applicants": "申请人", "agent": "代理人", "evidence": "证明材料",
	"number": "编号", "voucher": "凭证号", "username": "用户名", "password": "密码", "address": "坐落", "place": "地点",
	"authority": "查封机关", "doc_no": "法律文书编号", "holders": "受让人", "price": "成交价", "amount": "金额", "unit_no": "不动产单元号",
	"tracking_no": "邮寄单号", "paper_serial": "印制序列号", "serial": "印制序列号", "receiver": "领取人", "description": "说明",
	"text": "内容", "court_doc": "法院文书", "buyer_name": "买受人姓名", "buyer_id": "买受人身份证号", "buyer_phone": "买受人电话",
	"phone": "电话", "id_number": "身份证号", "issuer": "发证机关", "grant_contract": "出让合同编号", "land_cert_no": "土地证号",
	"loan_no": "借款合同编号", "uscc": "统一社会信用代码", "url": "接口地址", "marital": "婚姻状况", "conditions": "交付条件",
	"promises": "承诺事项", "basis": "依据", "scope": "范围", "use": "用途", "code": "代码", "value": "值",
}

// labelField rewrites a refusal of bad text in a page's form to name the
// field by its label (unit_no_2 → 不动产单元号).
func labelField(err error) error {
	e := problem.As(err)
	if e.Code != problem.CodeInvalidText || len(e.Fields) != 1 {
		return err
	}
	for field := range e.Fields {
		key := strings.TrimRightFunc(field, func(r rune) bool { return r >= '0' && r <= '9' })
		if label, ok := fieldLabels[strings.TrimSuffix(key, "_")]; ok {
			return &problem.Error{Kind: e.Kind, Code: e.Code, Message: "“" + label + "”一栏含有不可见的控制字符或无效的编码，请删除后重新提交",
				Fields: map[string]string{field: e.Fields[field]}}
		}
	}
	return err
}
