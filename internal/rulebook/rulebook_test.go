package rulebook

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md from the source")

// root is the module's root, two directories up.
const root = "../.."

// The catalogue in docs/rules.md is what the source says today.
func TestRuleCatalogueIsCurrent(t *testing.T) {
	c, err := Scan(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	want := c.Markdown()
	file := filepath.Join(root, "docs", "rules.md")
	if *update {
		if err := os.WriteFile(file, want, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", file)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v\nto create it: %s", err, UpdateCommand)
	}
	if !bytes.Equal(got, want) {
		line, g, w := firstDiff(got, want)
		t.Errorf("docs/rules.md is out of date with the rules in the source; first difference at line %d:\ngot  %q\nwant %q\nto update: %s", line, g, w, UpdateCommand)
	}
	for _, f := range c.Findings {
		t.Logf("finding: %s", f)
	}
}

func firstDiff(got, want []byte) (int, string, string) {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return i + 1, a, b
		}
	}
	return 0, "", ""
}

// known are the findings the tree may keep: none. A rule defined with
// another basis or fixer somewhere, a refusal without a basis or fixer, or
// a code given two kinds fails the test; should one have to stay for a
// while, it is listed here with the reason, and removed once put right.
var known = []string{}

// No new conflicting definitions or refusals without a basis or fixer.
func TestNoNewRuleFindings(t *testing.T) {
	c, err := Scan(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, f := range c.Findings {
		seen = append(seen, f.Key())
		if !slices.Contains(known, f.Key()) {
			t.Errorf("new finding: %s", f)
		}
	}
	for _, k := range known {
		if !slices.Contains(seen, k) {
			t.Errorf("put right since: %s (remove it from known, so that it cannot come back)", k)
		}
	}
}

const stub = `package problem

type Kind int

const (
	Internal Kind = iota
	Invalid
	Refused
)

type Reason struct {
	Rule    string
	Subject string
	Message string
	Basis   string
	Fixer   string
}

type Error struct {
	Kind    Kind
	Code    string
	Message string
	Reasons []Reason
}

type Refusal struct{ reasons []Reason }

func (r *Refusal) Add(x Reason)                  { r.reasons = append(r.reasons, x) }
func (r *Refusal) Err(code, message string) error { return &Error{Kind: Refused, Code: code, Message: message, Reasons: r.reasons} }
func New(kind Kind, code, message string) *Error { return &Error{Kind: kind, Code: code, Message: message} }
func Wrap(err error, code string) *Error         { return &Error{Code: code} }
`

func module(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"go.mod":                      {Data: []byte("module example\n\ngo 1.26\n")},
		"internal/problem/problem.go": {Data: []byte(stub)},
	}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return fsys
}

const imp = "package sale\n\nimport \"example/internal/problem\"\n\n"

// The scan resolves what it can, says what it cannot, and reports rules
// that are badly or inconsistently defined.
func TestScan(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		findings []string                     // keys, in order
		check    func(*testing.T, *Catalogue) // more about what was found
		err      bool
	}{{
		name: "a rule with no basis",
		files: map[string]string{"internal/sale/a.go": imp + `func Check() problem.Reason {
	return problem.Reason{Rule: "sale.price", Message: "价格缺失", Fixer: "开发企业"}
}`},
		findings: []string{"no-basis sale.price"},
	}, {
		name: "a rule with no fixer",
		files: map[string]string{"internal/sale/a.go": imp + `func Check() problem.Reason {
	return problem.Reason{Rule: "sale.price", Message: "价格缺失", Basis: "合同第三条"}
}`},
		findings: []string{"no-fixer sale.price"},
	}, {
		name: "one code, two bases in two places",
		files: map[string]string{
			"internal/sale/a.go": imp + `func Check() problem.Reason {
	return problem.Reason{Rule: "sale.sealed", Message: "已查封", Basis: "细则第十九条", Fixer: "法院"}
}`,
			"internal/sale/b.go": imp + `func Recheck() problem.Reason {
	return problem.Reason{Rule: "sale.sealed", Message: "已查封", Basis: "细则第九十条", Fixer: "法院"}
}`},
		findings: []string{"conflict sale.sealed basis"},
	}, {
		name: "one code, two messages in two packages",
		files: map[string]string{
			"internal/sale/a.go": imp + `func Check() problem.Reason {
	return problem.Reason{Rule: "unit.locked", Message: "该户已被锁定", Basis: "b", Fixer: "f"}
}`,
			"internal/store/b.go": "package store\n\nimport \"example/internal/problem\"\n\n" + `func check() problem.Reason {
	return problem.Reason{Rule: "unit.locked", Message: "该户被冻结", Basis: "b", Fixer: "f"}
}`},
		findings: []string{"conflict unit.locked message"},
	}, {
		name: "the guide names a fixer the check never does",
		files: map[string]string{"internal/sale/a.go": imp + `const basis = "细则第三十八条"

func Check(first bool) problem.Reason {
	if first {
		return problem.Reason{Rule: "sale.owner", Message: "尚未首次登记", Basis: basis, Fixer: "开发企业（申请首次登记）"}
	}
	return problem.Reason{Rule: "sale.owner", Message: "没有现势所有权", Basis: basis, Fixer: "登记机构"}
}

func conditionsOf() []problem.Reason {
	return []problem.Reason{{Rule: "sale.owner", Message: "所有权已登记", Basis: basis, Fixer: "开发企业"}}
}`},
		findings: []string{"conflict sale.owner fixer"},
	}, {
		name: "variants within one check, and a guide naming one of them, agree",
		files: map[string]string{"internal/sale/a.go": imp + `func Check(first bool) problem.Reason {
	if first {
		return problem.Reason{Rule: "sale.owner", Message: "尚未首次登记", Basis: "x", Fixer: "开发企业"}
	}
	return problem.Reason{Rule: "sale.owner", Message: "没有现势所有权", Basis: "y", Fixer: "登记机构"}
}

func SaleGuide() []problem.Reason {
	return []problem.Reason{{Rule: "sale.owner", Message: "所有权已登记", Basis: "x", Fixer: "开发企业"}}
}`},
		check: func(t *testing.T, c *Catalogue) {
			if len(c.Rules) != 3 || !c.Rules[0].Guide && !c.Rules[1].Guide && !c.Rules[2].Guide {
				t.Errorf("want three definitions, one of them the guide's: %+v", c.Rules)
			}
		},
	}, {
		name: "constants, concatenations and constants of another package",
		files: map[string]string{
			"internal/law/law.go": "package law\n\nconst Reform = \"196号\"\n",
			"internal/sale/a.go": imp + `import "example/internal/law"

const (
	rulePrefix = "sale."
	basisTax   = "契税法第十一条；" + law.Reform
)

func Check() problem.Reason {
	return problem.Reason{Rule: rulePrefix + "deed_tax", Message: "契税尚未缴纳", Basis: basisTax, Fixer: "买受人"}
}`},
		check: func(t *testing.T, c *Catalogue) {
			want := Definition{Rule: "sale.deed_tax", Message: "契税尚未缴纳", Basis: "契税法第十一条；196号", Fixer: "买受人",
				Package: "internal/sale", File: "a.go", Func: "Check", Form: "problem.Reason", messageConst: true, basisConst: true, fixerConst: true}
			if len(c.Rules) != 1 || c.Rules[0] != want {
				t.Errorf("got %+v\nwant %+v", c.Rules, want)
			}
		},
	}, {
		name: "a helper's rules are read at its calls, a run-time code is listed as such",
		files: map[string]string{"internal/sale/a.go": imp + `func Check(kind string, msg string) error {
	var r problem.Refusal
	add := func(rule, msg string) {
		r.Add(problem.Reason{Rule: rule, Message: msg, Basis: "b", Fixer: "f"})
	}
	add("sale.a", "甲")
	add("sale.b", "乙："+msg)
	r.Add(problem.Reason{Rule: "sale." + kind, Message: "丙", Basis: "b", Fixer: "f"})
	return r.Err("sale.refused", "不能办理")
}`},
		check: func(t *testing.T, c *Catalogue) {
			var got []string
			for _, d := range c.Rules {
				got = append(got, d.Rule+" "+d.Message)
			}
			want := []string{"sale.a 甲", "sale.b 乙：{msg}", "sale.{kind} 丙"}
			if !slices.Equal(got, want) || !c.Rules[2].Dynamic {
				t.Errorf("got %q (dynamic: %v), want %q", got, c.Rules[len(c.Rules)-1].Dynamic, want)
			}
			if len(c.Codes) != 1 || c.Codes[0].Code != "sale.refused" || c.Codes[0].Kind != "Refused" {
				t.Errorf("codes: got %+v, want sale.refused, Refused", c.Codes)
			}
		},
	}, {
		name: "look-alike types, keyed and positional, and a reason embedded in one",
		files: map[string]string{"internal/sale/a.go": imp + `type Block struct {
	Rule, Message, Basis, Fixer string
}

type Party struct{ Name string }

type Condition struct {
	Code        string
	Title       string
	Basis       string
	Responsible Party
}

type Item struct {
	problem.Reason
	Responsible Party
}

func Check() []any {
	return []any{
		Block{"sale.block", "甲", "b", "f"},
		Condition{Code: "sale.condition", Title: "乙", Basis: "b", Responsible: Party{Name: "住建部门"}},
		Item{Reason: problem.Reason{Rule: "sale.item", Message: "丙", Basis: "b"}, Responsible: Party{Name: "开发企业"}},
	}
}`},
		check: func(t *testing.T, c *Catalogue) {
			var got []string
			for _, d := range c.Rules {
				got = append(got, d.Rule+" "+d.Message+" "+d.Fixer+" "+d.Form)
			}
			want := []string{"sale.block 甲 f sale.Block", "sale.condition 乙 住建部门 sale.Condition", "sale.item 丙 开发企业 problem.Reason"}
			if !slices.Equal(got, want) {
				t.Errorf("got %q\nwant %q", got, want)
			}
		},
	}, {
		name: "an error code given two kinds",
		files: map[string]string{"internal/sale/a.go": imp + `func A() error { return problem.New(problem.Invalid, "sale.step", "步骤不对") }
func B() error { return problem.New(problem.Refused, "sale.step", "步骤不对") }`},
		findings: []string{"kind-conflict sale.step kind"},
	}, {
		name:  "source that does not parse",
		files: map[string]string{"internal/sale/a.go": "package sale\n\nfunc (\n"},
		err:   true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Scan(module(tt.files))
			if tt.err {
				if err == nil {
					t.Fatal("Scan succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range c.Findings {
				got = append(got, f.Key())
			}
			if !slices.Equal(got, tt.findings) {
				t.Errorf("findings: got %q, want %q\n%v", got, tt.findings, c.Findings)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
			if md := string(c.Markdown()); len(c.Findings) > 0 && !strings.Contains(md, c.Findings[0].Rule) {
				t.Errorf("the catalogue does not show finding %s", c.Findings[0])
			}
		})
	}
}
