// Package guide is the service guide (办事指南) of the matters the platform
// handles: for one matter in one jurisdiction, who applies and where, the
// steps of its flow chart, what the applicant brings and what the platform
// already holds, the time limit and the fee, and every situation in which
// the platform refuses it.
//
// Each domain package builds its matters' guides beside its rules, from the
// jurisdiction settings those rules apply. A guide states each condition
// under the rule code its check refuses with, and the domain packages' tests
// hold the two together: the rule codes a check emits on facts that fail
// everything are exactly the codes of the guide's conditions, so a guide can
// neither omit a condition the platform enforces nor state one it does not.
package guide

import (
	"errors"
	"slices"
	"strings"

	"handover/internal/problem"
)

// Matter is one matter's guide.
type Matter struct {
	Key        string // stable key used in addresses, e.g. "presale_permit", "transfer"
	Title      string // e.g. 商品房预售许可
	Department string // the office that handles it, e.g. 住房和城乡建设局
	Applicant  string
	Steps      []Step
	Conditions []problem.Reason // what the platform checks before it grants the matter, each stated as met (Message), under the rule code its check refuses with
	Bring      []string         // what the applicant provides
	Held       []string         // what the platform already holds and never asks for again
	Limit      string           // 办理时限
	Fee        string           // 收费标准
	Notes      []string         // this jurisdiction's configuration that changes the matter
	Basis      string
}

// Step is one box of the flow chart.
type Step struct {
	Name string `json:"name"`
	Who  string `json:"who"`
	Note string `json:"note,omitempty"`
}

// Rules lists the distinct rule codes of the matter's conditions, in order.
func (m Matter) Rules() []string {
	var out []string
	for _, c := range m.Conditions {
		if !slices.Contains(out, c.Rule) {
			out = append(out, c.Rule)
		}
	}
	return out
}

// RulesOf lists the distinct rule codes of a refusal, sorted; nil for an
// error that is not a refusal. Tests compare it with Rules.
func RulesOf(err error) []string {
	var e *problem.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, r := range e.Reasons {
		if !slices.Contains(out, r.Rule) {
			out = append(out, r.Rule)
		}
	}
	slices.Sort(out)
	return out
}

// Setting is one value a rule reads from the jurisdiction's configuration
// (docs/domain.md): what it is, in whose words, its default and legal
// basis, and how a value is checked. The domain package whose rule reads
// the value declares it; the settings page, the API and the service guide
// show every declared setting, and the store refuses a value its Check
// refuses, so a setting can be neither unknown to the page nor stored
// malformed.
type Setting struct {
	Key     string
	Group   string // the matter it changes, e.g. 联合验收
	Label   string
	Unit    string // e.g. 工作日, 元/平方米; "" for a list
	Default string // the value when none is set, as stored
	Hint    string // how to write a value, for the field's help
	Basis   string // the law or policy that leaves the value to the jurisdiction
	// Prefecture: only the prefecture sets it (one value for every county).
	Prefecture bool
	// Options, when set, are the values a list setting may hold; the value
	// is their codes, comma-separated, in the options' order.
	Options []Option
	// Check refuses a malformed value ("" is the default and always good).
	Check func(string) error
	// Show states a value ("" the default) in the guide's words.
	Show func(string) string
}

// Option is one value a list setting may hold.
type Option struct{ Code, Label string }

// Normal writes a value as the setting keeps it: a list's codes in the
// options' order (a code it does not offer dropped), anything else
// trimmed. Two values that mean the same are then equal.
func (s Setting) Normal(v string) string {
	if len(s.Options) == 0 {
		return strings.TrimSpace(v)
	}
	have := strings.Split(v, ",")
	for i := range have {
		have[i] = strings.TrimSpace(have[i])
	}
	var out []string
	for _, o := range s.Options {
		if slices.Contains(have, o.Code) {
			out = append(out, o.Code)
		}
	}
	return strings.Join(out, ",")
}

// Value states v in the setting's words: its options' names, or the value
// with its unit.
func (s Setting) Value(v string) string {
	if v == "" {
		v = s.Default
	}
	if s.Show != nil {
		return s.Show(v)
	}
	if len(s.Options) > 0 {
		var names []string
		for _, code := range strings.Split(v, ",") {
			code = strings.TrimSpace(code)
			name := code
			for _, o := range s.Options {
				if o.Code == code {
					name = o.Label
				}
			}
			names = append(names, name)
		}
		return strings.Join(names, "、")
	}
	if s.Unit != "" {
		return v + " " + s.Unit
	}
	return v
}
