// Package problem holds the platform's error vocabulary: a closed set of
// kinds that map to HTTP statuses and page messages, a stable code per error
// for partners' systems, a Chinese message for people, and — for refusals by
// a domain rule — every reason with the rule, the unit, the legal basis and
// who can fix it.
package problem

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kind classifies an error. The set is closed: every handler maps a kind to
// one HTTP status, so a new kind is a deliberate change of the API contract.
type Kind int

const (
	Internal        Kind = iota // an unexpected failure; the detail is logged, not shown
	Invalid                     // 400: malformed input
	Unauthenticated             // 401: no or bad credentials
	Forbidden                   // 403: authenticated, but not allowed
	NotFound                    // 404
	Conflict                    // 409: the record changed or already exists
	Refused                     // 422: well-formed, but a domain rule refuses it
	TooManyRequests             // 429: the client asked too often; try again after a while
)

// Status is the HTTP status code of the kind.
func (k Kind) Status() int {
	switch k {
	case Invalid:
		return 400
	case Unauthenticated:
		return 401
	case Forbidden:
		return 403
	case NotFound:
		return 404
	case Conflict:
		return 409
	case Refused:
		return 422
	case TooManyRequests:
		return 429
	}
	return 500
}

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Unauthenticated:
		return "unauthenticated"
	case Forbidden:
		return "forbidden"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case Refused:
		return "refused"
	case TooManyRequests:
		return "too_many_requests"
	}
	return "internal"
}

// Reason is one failed rule of a refusal. A refusal lists every reason, not
// just the first, so that the person who can fix them fixes them all at once.
type Reason struct {
	Rule    string `json:"rule" doc:"规则代码" example:"presale.permit.land_premium"` // stable rule code, e.g. "presale.permit.land_premium"
	Subject string `json:"subject,omitempty" doc:"对象，如不动产单元号"`                    // the record the rule failed on, e.g. a 不动产单元号
	Message string `json:"message" doc:"说明"`                                      // what is wrong, in Chinese
	Basis   string `json:"basis,omitempty" doc:"法律或政策依据"`                         // the legal or policy basis
	Fixer   string `json:"fixer,omitempty" doc:"可纠正者"`                            // who can fix it
}

// Error is the platform's error. Code is stable and documented for partners;
// Message is for people; Fields names bad input fields; Reasons lists failed
// rules for a refusal.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  map[string]string
	Reasons []Reason
	Err     error // the cause, for logs; never shown to users
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, r := range e.Reasons {
		fmt.Fprintf(&b, "; %s", r.Message)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "; %s: %s", k, e.Fields[k])
		}
	}
	if e.Err != nil {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the kind with a stable code and a message.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Newf is New with a formatted message.
func Newf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an internal error that keeps err as its cause.
func Wrap(err error, code string) *Error {
	return &Error{Kind: Internal, Code: code, Message: "系统内部错误", Err: err}
}

// KindOf returns the kind of err: Internal unless err wraps an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// CodeOf returns the stable code of err: "" for no error, "internal" for
// an error that is not the platform's.
func CodeOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}

// As returns err as an *Error, wrapping a foreign error as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(err, "internal")
}

// Is reports whether err is an *Error with the given code.
func Is(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Fields collects field errors of one input and yields an Invalid error when
// any was added. The zero value is ready to use.
type Fields struct {
	m     map[string]string
	order []string
}

// Add records a message for field; only the first message of a field is kept.
func (f *Fields) Add(field, message string) {
	if f.m == nil {
		f.m = map[string]string{}
	}
	if _, ok := f.m[field]; ok {
		return
	}
	f.m[field] = message
	f.order = append(f.order, field)
}

// Has reports whether field has an error.
func (f *Fields) Has(field string) bool { _, ok := f.m[field]; return ok }

// Err returns nil when no field failed, else an Invalid error with code.
func (f *Fields) Err(code, message string) error {
	if len(f.m) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: code, Message: message, Fields: f.m}
}

// Refusal collects the reasons a domain rule refuses an action. The zero
// value is ready to use; Err is nil when no reason was added.
type Refusal struct {
	reasons []Reason
}

// Add records one failed rule.
func (r *Refusal) Add(reason Reason) { r.reasons = append(r.reasons, reason) }

// Reasons returns the failed rules so far.
func (r *Refusal) Reasons() []Reason { return r.reasons }

// Err returns nil when nothing failed, else a Refused error listing every
// reason under the given code and message.
func (r *Refusal) Err(code, message string) error {
	if len(r.reasons) == 0 {
		return nil
	}
	return &Error{Kind: Refused, Code: code, Message: message, Reasons: r.reasons}
}
