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
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
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

	w("# Rule catalogue (规则目录)\n\n")
	w("Generated from the Go source by `internal/rulebook`; do not edit by hand. To regenerate:\n\n")
	w("```sh\ngo generate ./internal/rulebook\n# or\ngo test ./internal/rulebook -run TestRuleCatalogueIsCurrent -update\n```\n\n")
	w("Every refusal (`problem.Refused`, HTTP 422) lists its reasons, each under a stable **rule code** with what is\n")
	w("wrong, the legal or policy basis and who can fix it (see [domain.md §3](domain.md)). This catalogue lists every\n")
	w("place a rule code is given: `problem.Reason` literals and look-alike types with a `Rule` or `Code` and a\n")
	w("`Basis` field; a service guide's statement of a condition (stated as met) is marked （办事指南）.\n")
	w("Messages are as written in the source: a format string, or constants with `{expr}` for what is only known at\n")
	w("run time. The second part lists the stable error codes (`problem.New`, `Newf`, `Wrap`, `problem.Error`\n")
	w("literals, `Refusal.Err`, `Fields.Err`) that partners' systems see in the `code` of an error.\n\n")
	w("%d rule codes in %d definitions across %d packages (%d built at run time, %d passed on from other values); %d error codes; %d findings.\n\n",
		len(codes), len(c.Rules), len(packages), dynRules, len(c.Forwards), len(errCodes), len(c.Findings))

	w("## Contents\n\n- [Rules by package](#rules-by-package)\n- [Rules built at run time](#rules-built-at-run-time)\n")
	w("- [Rules passed on from other values](#rules-passed-on-from-other-values)\n- [Findings](#findings)\n- [Error codes by package](#error-codes-by-package)\n\n")

	w("## Rules by package\n")
	pkg := ""
	for _, d := range c.Rules {
		if d.Dynamic {
			continue
		}
		if d.Package != pkg {
			pkg = d.Package
			w("\n### %s\n\n| Rule | Message | Basis | Fixer | Where |\n|---|---|---|---|---|\n", pkg)
		}
		msg := cell(d.Message)
		if d.Guide {
			msg = "（办事指南）" + msg
		}
		w("| `%s` | %s | %s | %s | %s |\n", d.Rule, msg, cell(d.Basis), cell(d.Fixer), where(d.File, d.Func))
	}

	w("\n## Rules built at run time\n\n")
	w("The code of these reasons is computed when the rule runs; `{…}` is the run-time part.\n\n")
	w("| Package | Rule | Message | Basis | Fixer | Where |\n|---|---|---|---|---|---|\n")
	for _, d := range c.Rules {
		if d.Dynamic {
			w("| %s | `%s` | %s | %s | %s | %s |\n", d.Package, strings.ReplaceAll(d.Rule, "`", "'"), cell(d.Message), cell(d.Basis), cell(d.Fixer), where(d.File, d.Func))
		}
	}

	w("\n## Rules passed on from other values\n\n")
	w("These literals copy a code defined elsewhere in this catalogue (a look-alike turned into a `problem.Reason`, an API view).\n\n")
	w("| Package | Code from | Into | Where |\n|---|---|---|---|\n")
	for _, f := range c.Forwards {
		w("| %s | `%s` | %s | %s |\n", f.Package, f.Expr, f.Form, where(f.File, f.Func))
	}

	w("\n## Findings\n\n")
	w("A rule code defined in two places (functions) with bases, fixers or refusal messages the places do not agree on; a refusal\n")
	w("without a basis or a fixer; an error code given with two kinds. `internal/rulebook` keeps the list of known findings: a new one fails its tests.\n\n")
	if len(c.Findings) == 0 {
		w("None.\n")
	}
	for _, f := range c.Findings {
		w("- **%s** `%s`", f.Kind, f.Rule)
		if f.Field != "" {
			w(" (%s)", f.Field)
		}
		w(": %s\n", cell(f.Detail))
	}

	w("\n## Error codes by package\n")
	pkg = ""
	for i := 0; i < len(c.Codes); {
		k := c.Codes[i]
		if k.Package != pkg {
			pkg = k.Package
			w("\n### %s\n\n| Code | Kind | Message | Where |\n|---|---|---|---|\n", pkg)
		}
		// one row per code, kind and message, with every file that gives it
		var files []string
		for ; i < len(c.Codes) && c.Codes[i].Package == k.Package && c.Codes[i].Code == k.Code && c.Codes[i].Kind == k.Kind && c.Codes[i].Message == k.Message; i++ {
			if !slices.Contains(files, c.Codes[i].File) {
				files = append(files, c.Codes[i].File)
			}
		}
		slices.Sort(files)
		code := "`" + strings.ReplaceAll(k.Code, "`", "'") + "`"
		if k.Dynamic {
			code += " (run time)"
		}
		w("| %s | %s | %s | %s |\n", code, cell(k.Kind), cell(k.Message), strings.Join(files, ", "))
	}
	return []byte(b.String())
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
