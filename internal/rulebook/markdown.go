package rulebook

import (
	"fmt"
	"slices"
	"strings"
)

// UpdateCommand regenerates docs/rules.md.
const UpdateCommand = "go generate ./internal/rulebook  (or: go test ./internal/rulebook -run TestRuleCatalogueIsCurrent -update)"

// Markdown renders the catalogue as docs/rules.md: rules by package, the
// rules built at run time or passed on, the findings, and the stable error
// codes by package.
func (c *Catalogue) Markdown() []byte {
	var m markdown
	m.intro(c)
	m.rulesByPackage(c.Rules)
	m.dynamicRules(c.Rules)
	m.forwards(c.Forwards)
	m.findings(c.Findings)
	m.errorCodes(c.Codes)
	return []byte(m.String())
}

// markdown is docs/rules.md as it is written, one part after the other.
type markdown struct{ strings.Builder }

// w writes formatted text.
func (m *markdown) w(format string, args ...any) { fmt.Fprintf(m, format, args...) }

// intro writes the title, how to regenerate the file, what it lists, the
// counts and the contents.
func (m *markdown) intro(c *Catalogue) {
	m.w("# Rule catalogue (规则目录)\n\n")
	m.w("Generated from the Go source by `internal/rulebook`; do not edit by hand. To regenerate:\n\n")
	m.w("```sh\ngo generate ./internal/rulebook\n# or\ngo test ./internal/rulebook -run TestRuleCatalogueIsCurrent -update\n```\n\n")
	m.w("Every refusal (`problem.Refused`, HTTP 422) lists its reasons, each under a stable **rule code** with what is\n")
	m.w("wrong, the legal or policy basis and who can fix it (see [domain.md §3](domain.md)). This catalogue lists every\n")
	m.w("place a rule code is given: `problem.Reason` literals and look-alike types with a `Rule` or `Code` and a\n")
	m.w("`Basis` field; a service guide's statement of a condition (stated as met) is marked （办事指南）.\n")
	m.w("Messages are as written in the source: a format string, or constants with `{expr}` for what is only known at\n")
	m.w("run time. The second part lists the stable error codes (`problem.New`, `Newf`, `Wrap`, `problem.Error`\n")
	m.w("literals, `Refusal.Err`, `Fields.Err`) that partners' systems see in the `code` of an error.\n\n")
	m.counts(c)
	m.w("## Contents\n\n- [Rules by package](#rules-by-package)\n- [Rules built at run time](#rules-built-at-run-time)\n")
	m.w("- [Rules passed on from other values](#rules-passed-on-from-other-values)\n- [Findings](#findings)\n- [Error codes by package](#error-codes-by-package)\n\n")
}

// counts writes the catalogue's size: distinct rule codes given as
// constants (a run-time code is counted apart), packages and error codes.
func (m *markdown) counts(c *Catalogue) {
	codes, dynRules, packages := map[string]bool{}, 0, map[string]bool{}
	for _, d := range c.Rules {
		if d.Dynamic {
			dynRules++
		} else {
			codes[d.Rule] = true
		}
		packages[d.Package] = true
	}
	errCodes := map[string]bool{}
	for _, k := range c.Codes {
		if !k.Dynamic {
			errCodes[k.Code] = true
		}
	}
	m.w("%d rule codes in %d definitions across %d packages (%d built at run time, %d passed on from other values); %d error codes; %d findings.\n\n",
		len(codes), len(c.Rules), len(packages), dynRules, len(c.Forwards), len(errCodes), len(c.Findings))
}

// rulesByPackage writes a table per package of the rules whose code is a
// constant, in the catalogue's order.
func (m *markdown) rulesByPackage(rules []Definition) {
	m.w("## Rules by package\n")
	pkg := ""
	for _, d := range rules {
		if d.Dynamic {
			continue
		}
		if d.Package != pkg {
			pkg = d.Package
			m.w("\n### %s\n\n| Rule | Message | Basis | Fixer | Where |\n|---|---|---|---|---|\n", pkg)
		}
		msg := cell(d.Message)
		if d.Guide {
			msg = "（办事指南）" + msg
		}
		m.w("| `%s` | %s | %s | %s | %s |\n", d.Rule, msg, cell(d.Basis), cell(d.Fixer), where(d.File, d.Func))
	}
}

// dynamicRules writes one table of the rules whose code is computed when
// the rule runs.
func (m *markdown) dynamicRules(rules []Definition) {
	m.w("\n## Rules built at run time\n\n")
	m.w("The code of these reasons is computed when the rule runs; `{…}` is the run-time part.\n\n")
	m.w("| Package | Rule | Message | Basis | Fixer | Where |\n|---|---|---|---|---|---|\n")
	for _, d := range rules {
		if d.Dynamic {
			m.w("| %s | `%s` | %s | %s | %s | %s |\n", d.Package, strings.ReplaceAll(d.Rule, "`", "'"), cell(d.Message), cell(d.Basis), cell(d.Fixer), where(d.File, d.Func))
		}
	}
}

// forwards writes the literals that copy a rule code from another value.
func (m *markdown) forwards(forwards []Forward) {
	m.w("\n## Rules passed on from other values\n\n")
	m.w("These literals copy a code defined elsewhere in this catalogue (a look-alike turned into a `problem.Reason`, an API view).\n\n")
	m.w("| Package | Code from | Into | Where |\n|---|---|---|---|\n")
	for _, f := range forwards {
		m.w("| %s | `%s` | %s | %s |\n", f.Package, f.Expr, f.Form, where(f.File, f.Func))
	}
}

// findings writes the inconsistencies the scan found, or "None.".
func (m *markdown) findings(findings []Finding) {
	m.w("\n## Findings\n\n")
	m.w("A rule code defined in two places (functions) with bases, fixers or refusal messages the places do not agree on; a refusal\n")
	m.w("without a basis or a fixer; an error code given with two kinds. `internal/rulebook` keeps the list of known findings: a new one fails its tests.\n\n")
	if len(findings) == 0 {
		m.w("None.\n")
	}
	for _, f := range findings {
		m.w("- **%s** `%s`", f.Kind, f.Rule)
		if f.Field != "" {
			m.w(" (%s)", f.Field)
		}
		m.w(": %s\n", cell(f.Detail))
	}
}

// errorCodes writes a table per package of the error codes: one row per
// code, kind and message, with every file that gives it (codes arrive
// sorted, so equal ones are adjacent).
func (m *markdown) errorCodes(codes []Code) {
	m.w("\n## Error codes by package\n")
	pkg := ""
	for i := 0; i < len(codes); {
		k := codes[i]
		if k.Package != pkg {
			pkg = k.Package
			m.w("\n### %s\n\n| Code | Kind | Message | Where |\n|---|---|---|---|\n", pkg)
		}
		var files []string
		for ; i < len(codes) && codes[i].Package == k.Package && codes[i].Code == k.Code && codes[i].Kind == k.Kind && codes[i].Message == k.Message; i++ {
			if !slices.Contains(files, codes[i].File) {
				files = append(files, codes[i].File)
			}
		}
		slices.Sort(files)
		code := "`" + strings.ReplaceAll(k.Code, "`", "'") + "`"
		if k.Dynamic {
			code += " (run time)"
		}
		m.w("| %s | %s | %s | %s |\n", code, cell(k.Kind), cell(k.Message), strings.Join(files, ", "))
	}
}

func where(file, fn string) string {
	if fn == "" {
		return file
	}
	return file + " · " + cell(fn)
}

// cell makes a value safe in a Markdown table cell.
func cell(s string) string {
	if s == "" {
		return "—"
	}
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "<", "&lt;")
	s = strings.ReplaceAll(s, "*", `\*`)
	s = strings.ReplaceAll(s, "_", `\_`)
	return s
}
