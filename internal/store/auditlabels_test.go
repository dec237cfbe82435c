package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"handover/internal/audit"
	"handover/internal/registry"
)

// Every action the platform audits, every kind of record it names and
// every key of a summary it writes has a Chinese name (audit.ActionLabel,
// RecordLabel, FieldLabel), so that the audit page never shows a code. The
// test reads the source of the store and of the packages that call
// RecordAudit: each Tx.Audit and DB.RecordAudit call's action and record
// kind are resolved to the strings they can be, through local assignments
// and the literal arguments of the calling function's callers; an action
// built from a domain value ("register." + kind) takes every value listed
// in dynamic.
func TestEveryAuditedActionIsNamed(t *testing.T) {
	src := parseSources(t, ".", "../web", "../api")
	var actions, kinds, keys []string
	for _, f := range src.files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			var action, kind, summary ast.Expr
			switch {
			case sel.Sel.Name == "Audit" && len(call.Args) == 4:
				action, kind, summary = call.Args[0], call.Args[1], call.Args[3]
			case sel.Sel.Name == "RecordAudit" && len(call.Args) == 6:
				action, kind, summary = call.Args[2], call.Args[3], call.Args[5]
			default:
				return true
			}
			fn := src.enclosing(call)
			actions = append(actions, src.strings(t, fn, action, 0)...)
			kinds = append(kinds, src.strings(t, fn, kind, 0)...)
			keys = append(keys, mapKeys(summary)...)
			return true
		})
	}
	// The summaries built by a helper (projectSummary, userSummary, …).
	for _, fn := range src.funcs {
		if strings.HasSuffix(strings.ToLower(fn.Name.Name), "summary") {
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CompositeLit); ok {
					keys = append(keys, mapKeys(c)...)
				}
				return true
			})
		}
	}
	if len(actions) < 80 {
		t.Fatalf("found only %d audited actions: the scan is broken", len(actions))
	}
	for _, a := range uniq(actions) {
		if !audit.Labelled(a) {
			t.Errorf("action %q has no Chinese name in audit.actions", a)
		}
	}
	for _, k := range uniq(kinds) {
		if audit.RecordLabel(k) == k {
			t.Errorf("record kind %q has no Chinese noun in audit.recordKinds", k)
		}
	}
	for _, k := range uniq(keys) {
		if audit.FieldLabel(k) == k {
			t.Errorf("summary key %q has no Chinese name in audit.fields", k)
		}
	}
}

// dynamic lists every value an action built from a domain value can take.
var dynamic = map[string][]string{
	"register.": {string(registry.Ownership), string(registry.Mortgage), string(registry.PreNotice), string(registry.Seal),
		string(registry.Objection), string(registry.Cancellation), string(registry.Correction)},
	"application.": {string(registry.StepAccept), string(registry.StepReview), string(registry.StepReview2), string(registry.StepReturn),
		string(registry.StepRecord), string(registry.StepCertify), string(registry.StepIssue), string(registry.StepWithdraw)},
	"presale.": {"suspended", "reinstated", "revoked"}, // presale.Permit.Change
	"fund.":    {"approved", "refused"},                // presale.Withdrawal.Decide
}

type sources struct {
	fset  *token.FileSet
	files []*ast.File
	funcs []*ast.FuncDecl
}

func parseSources(t *testing.T, dirs ...string) *sources {
	t.Helper()
	s := &sources{fset: token.NewFileSet()}
	for _, dir := range dirs {
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(s.fset, name, b, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			s.files = append(s.files, f)
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
					s.funcs = append(s.funcs, fn)
				}
			}
		}
	}
	return s
}

// enclosing is the function declaration around n.
func (s *sources) enclosing(n ast.Node) *ast.FuncDecl {
	for _, fn := range s.funcs {
		if fn.Pos() <= n.Pos() && n.End() <= fn.End() {
			return fn
		}
	}
	return nil
}

// strings resolves e, in fn, to the strings it can be; it fails the test
// when it cannot.
func (s *sources) strings(t *testing.T, fn *ast.FuncDecl, e ast.Expr, depth int) []string {
	t.Helper()
	if out, ok := s.resolve(fn, e, depth); ok {
		return out
	}
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.ADD {
		if prefix, ok := literal(b.X); ok && dynamic[prefix] != nil {
			var out []string
			for _, v := range dynamic[prefix] {
				out = append(out, prefix+v)
			}
			return out
		}
	}
	t.Errorf("%s: cannot tell which actions or kinds %s can be; name them in dynamic", s.fset.Position(e.Pos()), exprText(e))
	return nil
}

func (s *sources) resolve(fn *ast.FuncDecl, e ast.Expr, depth int) ([]string, bool) {
	if depth > 4 || fn == nil {
		return nil, false
	}
	switch x := e.(type) {
	case *ast.BasicLit:
		v, ok := literal(x)
		return []string{v}, ok
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return nil, false
		}
		l, ok1 := s.resolve(fn, x.X, depth)
		r, ok2 := s.resolve(fn, x.Y, depth)
		if !ok1 || !ok2 {
			return nil, false
		}
		var out []string
		for _, a := range l {
			for _, b := range r {
				out = append(out, a+b)
			}
		}
		return out, true
	case *ast.Ident:
		if out, ok := assigned(fn, x.Name); ok {
			return out, true
		}
		i := paramIndex(fn, x.Name)
		if i < 0 {
			return nil, false
		}
		var out []string
		found := false
		for _, f := range s.files {
			ok := true
			ast.Inspect(f, func(n ast.Node) bool {
				call, isCall := n.(*ast.CallExpr)
				if !isCall || calleeName(call) != fn.Name.Name || len(call.Args) <= i {
					return true
				}
				vs, resolved := s.resolve(s.enclosing(call), call.Args[i], depth+1)
				ok = ok && resolved
				out = append(out, vs...)
				found = true
				return true
			})
			if !ok {
				return nil, false
			}
		}
		return out, found
	}
	return nil, false
}

// assigned is every string literal assigned to name in fn, when every
// assignment to it is one.
func assigned(fn *ast.FuncDecl, name string) ([]string, bool) {
	var out []string
	ok, any := true, false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		as, isAssign := n.(*ast.AssignStmt)
		if !isAssign || len(as.Lhs) != len(as.Rhs) {
			return true
		}
		for i, l := range as.Lhs {
			if id, isIdent := l.(*ast.Ident); isIdent && id.Name == name {
				any = true
				v, isLit := literal(as.Rhs[i])
				ok = ok && isLit
				out = append(out, v)
			}
		}
		return true
	})
	return out, ok && any
}

// paramIndex is the position of the parameter name in fn, or -1.
func paramIndex(fn *ast.FuncDecl, name string) int {
	i := 0
	for _, field := range fn.Type.Params.List {
		for _, n := range field.Names {
			if n.Name == name {
				return i
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	return -1
}

func calleeName(call *ast.CallExpr) string {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

func literal(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(lit.Value)
	return v, err == nil
}

// mapKeys is every string key of a map literal and of the map literals
// among its values.
func mapKeys(e ast.Expr) []string {
	c, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	if _, isMap := c.Type.(*ast.MapType); !isMap {
		return nil
	}
	var out []string
	for _, el := range c.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if k, ok := literal(kv.Key); ok {
			out = append(out, k)
		}
		out = append(out, mapKeys(kv.Value)...)
	}
	return out
}

func exprText(e ast.Expr) string {
	var b strings.Builder
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Ident:
			b.WriteString(x.Name + " ")
		case *ast.BasicLit:
			b.WriteString(x.Value + " ")
		}
		return true
	})
	return strings.TrimSpace(b.String())
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
