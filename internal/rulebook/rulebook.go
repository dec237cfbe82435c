// Package rulebook reads the platform's Go source and catalogues what it
// can refuse with: every rule code a refusal reason carries (with its
// message, legal basis and who can fix it) and every stable error code given
// to problem.New, Newf, Wrap and their kin. The catalogue is docs/rules.md;
// a test regenerates it and fails when the file is out of date, and the same
// scan reports a rule code defined with different bases or fixers, and a
// refusal that names no basis or no fixer.
//
// A rule is any composite literal of a struct type, declared anywhere in the
// module, that has a Basis field and a Rule or Code field — problem.Reason,
// and the look-alikes registry.Block, handover.Condition and guide.Condition
// — keyed or positional. Field values are resolved through package-level
// constants and concatenations of them; a literal inside a small helper
// (add := func(rule, msg, basis, fixer string) {…}) is resolved at each call
// of the helper instead. What is only known at run time is shown as {expr}.
package rulebook

//go:generate go test -run TestRuleCatalogueIsCurrent -update

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Definition is one place a rule code is given to a refusal reason (or, for
// a service-guide condition, documented).
type Definition struct {
	Rule    string // the code; when built at run time, its pattern with {expr} for what is not constant
	Dynamic bool   // the code is built at run time
	Message string // as written: a format string, or constants with {expr} for the rest
	Basis   string
	Fixer   string
	Package string // directory of the package, e.g. internal/registry
	File    string // file name within the package
	Func    string // the enclosing top-level function, e.g. TransferBlocks or (*Contract).Check
	Form    string // the literal's type, e.g. problem.Reason
	Guide   bool   // a service-guide condition: Message is the condition's text

	messageConst, basisConst, fixerConst bool
}

// Forward is a reason whose rule code is copied from another value (a
// look-alike turned into a problem.Reason, an API view of one): the codes it
// carries are defined elsewhere in the catalogue.
type Forward struct {
	Expr    string // the expression the code is taken from
	Package string
	File    string
	Func    string
	Form    string
}

// Code is one stable error code given to problem.New, Newf, Wrap, an
// Error literal, or Refusal.Err / Fields.Err.
type Code struct {
	Code    string
	Dynamic bool
	Kind    string // Refused, Invalid, …; "" when not known from the source
	Message string
	Package string
	File    string
	Func    string
	Call    string // New, Newf, Wrap, Error, Refusal.Err, Fields.Err
}

// Finding is a problem the scan reports.
type Finding struct {
	Kind   string // conflict, no-basis, no-fixer, kind-conflict
	Rule   string // the rule or error code
	Field  string // for a conflict: basis, fixer, message or kind
	Detail string
}

// Key identifies a finding independently of where it is in the source.
func (f Finding) Key() string {
	if f.Field != "" {
		return f.Kind + " " + f.Rule + " " + f.Field
	}
	return f.Kind + " " + f.Rule
}

func (f Finding) String() string { return f.Key() + ": " + f.Detail }

// Catalogue is what a scan found.
type Catalogue struct {
	Module   string
	Rules    []Definition
	Forwards []Forward
	Codes    []Code
	Findings []Finding
}

// Dirs are the directories of the module that are scanned.
var Dirs = []string{"internal", "cmd"}

// Scan reads the module rooted at fsys (which holds go.mod) and catalogues
// its rules and codes. Test files, testdata and this package are skipped.
func Scan(fsys fs.FS) (*Catalogue, error) {
	mod, err := fs.ReadFile(fsys, "go.mod")
	if err != nil {
		return nil, err
	}
	s := &scanner{fset: token.NewFileSet(), pkgs: map[string]*pkg{}, byPath: map[string]*pkg{}}
	s.module = modulePath(mod)
	if s.module == "" {
		return nil, fmt.Errorf("go.mod names no module")
	}
	for _, d := range Dirs {
		err := fs.WalkDir(fsys, d, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				if p == d && errorsIsNotExist(err) {
					return fs.SkipDir
				}
				return err
			}
			if de.IsDir() {
				if de.Name() == "testdata" || p == "internal/rulebook" || strings.HasPrefix(de.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			return s.parse(fsys, p)
		})
		if err != nil {
			return nil, err
		}
	}
	s.collectDecls()
	s.walk()
	c := &Catalogue{Module: s.module}
	s.resolveRules(c)
	s.resolveCodes(c)
	c.sort()
	c.Findings = findings(c)
	return c, nil
}

func errorsIsNotExist(err error) bool { return strings.Contains(err.Error(), "not exist") }

func modulePath(gomod []byte) string {
	for _, l := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

type scanner struct {
	module string
	fset   *token.FileSet
	pkgs   map[string]*pkg // by directory
	byPath map[string]*pkg // by import path
	order  []string        // directories, sorted

	lits   []litSite
	calls  []callSite
	locals map[*ast.FuncDecl]map[string]ast.Expr
}

// local finds a local variable of fn: the expression it is given when it is
// assigned exactly once (dev := "开发企业"), nil when it is assigned more
// than once or otherwise (known only at run time); ok is false when fn has
// no such variable.
func (s *scanner) local(fn *ast.FuncDecl, name string) (x ast.Expr, ok bool) {
	if fn == nil || fn.Body == nil {
		return nil, false
	}
	if s.locals == nil {
		s.locals = map[*ast.FuncDecl]map[string]ast.Expr{}
	}
	m, done := s.locals[fn]
	if !done {
		m = map[string]ast.Expr{}
		count := map[string]int{}
		note := func(id ast.Expr, v ast.Expr) {
			if n, ok := id.(*ast.Ident); ok && n.Name != "_" {
				count[n.Name]++
				m[n.Name] = v
			}
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					var v ast.Expr
					if len(n.Lhs) == len(n.Rhs) && (n.Tok == token.DEFINE || n.Tok == token.ASSIGN) {
						v = n.Rhs[i]
					}
					note(l, v)
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					var v ast.Expr
					if len(n.Names) == len(n.Values) {
						v = n.Values[i]
					}
					note(id, v)
				}
			case *ast.RangeStmt:
				if n.Key != nil {
					note(n.Key, nil)
				}
				if n.Value != nil {
					note(n.Value, nil)
				}
			}
			return true
		})
		for k, c := range count {
			if c > 1 {
				m[k] = nil
			}
		}
		s.locals[fn] = m
	}
	x, ok = m[name]
	return x, ok
}

type pkg struct {
	dir, path, name string
	files           []*file
	consts          map[string]constDef
	shapes          map[string]*shape
}

type file struct {
	pkg     *pkg
	name    string
	ast     *ast.File
	src     []byte
	imports map[string]string // local name → import path
}

type constDef struct {
	expr ast.Expr
	f    *file
}

// shape is a rule-shaped struct type: the names of its fields in order and
// which of them hold the code, message, basis and fixer.
type shape struct {
	pkg, name                   string
	fields                      []string
	rule, message, basis, fixer string
	guide                       bool
}

func (sh *shape) form() string { return path.Base(sh.pkg) + "." + sh.name }

// fnCtx is a function a literal or call sits in.
type fnCtx struct {
	name   string // for a helper: the function's, method's or closure variable's name
	method bool
	params []string
	top    *ast.FuncDecl // the top-level declaration (the helper itself, or the closure's home)
	lit    *ast.FuncLit
}

type litSite struct {
	f     *file
	lit   *ast.CompositeLit
	shape *shape
	fn    *fnCtx
	top   string
	err   bool              // a problem.Error literal rather than a rule
	outer *ast.CompositeLit // the literal this one is a field of (an embedded Reason), if any
}

type callSite struct {
	f    *file
	call *ast.CallExpr
	fn   *fnCtx
	top  string
}

func (s *scanner) parse(fsys fs.FS, p string) error {
	src, err := fs.ReadFile(fsys, p)
	if err != nil {
		return err
	}
	af, err := parser.ParseFile(s.fset, p, src, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	dir := path.Dir(p)
	pk := s.pkgs[dir]
	if pk == nil {
		pk = &pkg{dir: dir, path: s.module + "/" + dir, name: af.Name.Name, consts: map[string]constDef{}, shapes: map[string]*shape{}}
		s.pkgs[dir] = pk
		s.byPath[pk.path] = pk
		s.order = append(s.order, dir)
	}
	f := &file{pkg: pk, name: path.Base(p), ast: af, src: src, imports: map[string]string{}}
	for _, im := range af.Imports {
		ip, _ := strconv.Unquote(im.Path.Value)
		name := path.Base(ip)
		if im.Name != nil {
			name = im.Name.Name
		}
		f.imports[name] = ip
	}
	pk.files = append(pk.files, f)
	return nil
}

func (s *scanner) collectDecls() {
	sort.Strings(s.order)
	for _, dir := range s.order {
		pk := s.pkgs[dir]
		for _, f := range pk.files {
			for _, d := range f.ast.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok {
					continue
				}
				for _, sp := range g.Specs {
					switch sp := sp.(type) {
					case *ast.ValueSpec:
						if g.Tok != token.CONST {
							continue
						}
						for i, n := range sp.Names {
							if i < len(sp.Values) {
								pk.consts[n.Name] = constDef{sp.Values[i], f}
							}
						}
					case *ast.TypeSpec:
						if st, ok := sp.Type.(*ast.StructType); ok {
							if sh := shapeOf(pk.path, sp.Name.Name, st); sh != nil {
								pk.shapes[sh.name] = sh
							}
						}
					}
				}
			}
		}
	}
}

func shapeOf(pkgPath, name string, st *ast.StructType) *shape {
	sh := &shape{pkg: pkgPath, name: name}
	has := map[string]bool{}
	for _, fl := range st.Fields.List {
		if len(fl.Names) == 0 {
			sh.fields = append(sh.fields, "")
			continue
		}
		for _, n := range fl.Names {
			sh.fields = append(sh.fields, n.Name)
			has[n.Name] = true
		}
	}
	if !has["Basis"] {
		return nil
	}
	sh.basis = "Basis"
	sh.rule = firstOf(has, "Rule", "Code")
	if sh.rule == "" {
		return nil
	}
	sh.message = firstOf(has, "Message", "Title", "Text")
	sh.fixer = firstOf(has, "Fixer", "Responsible")
	sh.guide = sh.message == "Text"
	return sh
}

func firstOf(has map[string]bool, names ...string) string {
	for _, n := range names {
		if has[n] {
			return n
		}
	}
	return ""
}

// shapeOfExpr finds the rule shape a type expression names, if any.
func (s *scanner) shapeOfExpr(f *file, t ast.Expr) *shape {
	switch t := t.(type) {
	case *ast.Ident:
		return f.pkg.shapes[t.Name]
	case *ast.SelectorExpr:
		if x, ok := t.X.(*ast.Ident); ok {
			if pk := s.byPath[f.imports[x.Name]]; pk != nil {
				return pk.shapes[t.Sel.Name]
			}
		}
	case *ast.StarExpr:
		return s.shapeOfExpr(f, t.X)
	}
	return nil
}

// isProblem reports whether t names sel in package problem.
func (s *scanner) isProblem(f *file, t ast.Expr, sel string) bool {
	prob := s.module + "/internal/problem"
	switch t := t.(type) {
	case *ast.Ident:
		return f.pkg.path == prob && t.Name == sel
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		return ok && t.Sel.Name == sel && f.imports[x.Name] == prob
	case *ast.StarExpr:
		return s.isProblem(f, t.X, sel)
	case *ast.UnaryExpr:
		return s.isProblem(f, t.X, sel)
	case *ast.CompositeLit:
		return s.isProblem(f, t.Type, sel)
	}
	return false
}

// walk records every rule-shaped literal, problem.Error literal and call,
// with the function it sits in.
func (s *scanner) walk() {
	for _, dir := range s.order {
		for _, f := range s.pkgs[dir].files {
			for _, d := range f.ast.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Body == nil {
						continue
					}
					fn := &fnCtx{name: d.Name.Name, method: d.Recv != nil, params: paramNames(d.Type), top: d}
					s.walkNode(f, d.Body, fn, funcName(d))
				case *ast.GenDecl:
					s.walkNode(f, d, &fnCtx{}, "")
				}
			}
		}
	}
}

func (s *scanner) walkNode(f *file, root ast.Node, fn *fnCtx, top string) {
	elided := map[*ast.CompositeLit]*shape{}
	var stack []ast.Node
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			if n != root {
				inner := &fnCtx{name: closureName(stack, n), params: paramNames(n.Type), top: fn.top, lit: n}
				s.walkNode(f, n.Body, inner, top)
				return false
			}
		case *ast.CompositeLit:
			sh := elided[n]
			if n.Type != nil {
				sh = s.shapeOfExpr(f, n.Type)
				var elt ast.Expr
				switch t := n.Type.(type) {
				case *ast.ArrayType:
					elt = t.Elt
				case *ast.MapType:
					elt = t.Value
				}
				if esh := s.shapeOfExpr(f, elt); elt != nil && esh != nil {
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							e = kv.Value
						}
						if u, ok := e.(*ast.UnaryExpr); ok {
							e = u.X
						}
						if cl, ok := e.(*ast.CompositeLit); ok && cl.Type == nil {
							elided[cl] = esh
						}
					}
				}
			}
			if sh != nil {
				var outer *ast.CompositeLit
				if len(stack) >= 2 {
					if _, ok := stack[len(stack)-1].(*ast.KeyValueExpr); ok {
						outer, _ = stack[len(stack)-2].(*ast.CompositeLit)
					}
				}
				s.lits = append(s.lits, litSite{f: f, lit: n, shape: sh, fn: fn, top: top, outer: outer})
			} else if n.Type != nil && s.isProblem(f, n.Type, "Error") {
				s.lits = append(s.lits, litSite{f: f, lit: n, fn: fn, top: top, err: true})
			}
		case *ast.CallExpr:
			s.calls = append(s.calls, callSite{f: f, call: n, fn: fn, top: top})
		}
		stack = append(stack, n)
		return true
	})
}

// guideFunc reports whether a function states a service guide's conditions
// (PermitGuide, conditionsOf, FilingDateCondition) rather than refusing: its
// reasons' messages say the condition as met.
func guideFunc(name string) bool {
	l := strings.ToLower(name)
	return strings.Contains(l, "guide") || strings.Contains(l, "condition")
}

func paramNames(ft *ast.FuncType) []string {
	var out []string
	for _, fl := range ft.Params.List {
		if len(fl.Names) == 0 {
			out = append(out, "_")
		}
		for _, n := range fl.Names {
			out = append(out, n.Name)
		}
	}
	return out
}

func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	t := d.Recv.List[0].Type
	star := ""
	if st, ok := t.(*ast.StarExpr); ok {
		star, t = "*", st.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if id, ok := t.(*ast.Ident); ok {
		if star != "" {
			return "(*" + id.Name + ")." + d.Name.Name
		}
		return id.Name + "." + d.Name.Name
	}
	return d.Name.Name
}

// closureName is the variable a function literal is assigned to, if any.
func closureName(stack []ast.Node, lit *ast.FuncLit) string {
	if len(stack) == 0 {
		return ""
	}
	switch p := stack[len(stack)-1].(type) {
	case *ast.AssignStmt:
		for i, r := range p.Rhs {
			if r == lit && i < len(p.Lhs) {
				if id, ok := p.Lhs[i].(*ast.Ident); ok {
					return id.Name
				}
			}
		}
	case *ast.ValueSpec:
		for i, r := range p.Values {
			if r == lit && i < len(p.Names) {
				return p.Names[i].Name
			}
		}
	}
	return ""
}

// val is an evaluated expression: its text, with {expr} for what is only
// known at run time.
type val struct {
	s       string
	const_  bool
	forward bool // the expression is a field of another value (x.Rule)
	set     bool // the field was given at all
}

type binding struct {
	expr ast.Expr
	env  *env
}

type env struct {
	f      *file
	top    *ast.FuncDecl // for the function's local variables
	params []string
	bind   map[string]binding
	used   map[string]bool // params of this function the expression used, unbound
}

func (s *scanner) src(f *file, n ast.Node) string {
	p, e := s.fset.Position(n.Pos()).Offset, s.fset.Position(n.End()).Offset
	if p < 0 || e > len(f.src) || p > e {
		return "?"
	}
	return strings.Join(strings.Fields(string(f.src[p:e])), " ")
}

func (s *scanner) eval(e ast.Expr, en *env, depth int) val {
	if depth > 20 {
		return val{s: "{" + s.src(en.f, e) + "}", set: true}
	}
	dyn := func() val { return val{s: "{" + s.src(en.f, e) + "}", set: true} }
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			if u, err := strconv.Unquote(e.Value); err == nil {
				return val{s: u, const_: true, set: true}
			}
		}
		return val{s: e.Value, const_: true, set: true}
	case *ast.ParenExpr:
		return s.eval(e.X, en, depth+1)
	case *ast.Ident:
		if b, ok := en.bind[e.Name]; ok {
			return s.eval(b.expr, b.env, depth+1)
		}
		if slices.Contains(en.params, e.Name) {
			if en.used != nil {
				en.used[e.Name] = true
			}
			return dyn()
		}
		if x, ok := s.local(en.top, e.Name); ok {
			if x == nil {
				return dyn()
			}
			return s.eval(x, en, depth+1)
		}
		if c, ok := en.f.pkg.consts[e.Name]; ok {
			return s.eval(c.expr, &env{f: c.f}, depth+1)
		}
		return dyn()
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			if _, bound := en.bind[x.Name]; !bound && !slices.Contains(en.params, x.Name) {
				if pk := s.byPath[en.f.imports[x.Name]]; pk != nil {
					if c, ok := pk.consts[e.Sel.Name]; ok {
						return s.eval(c.expr, &env{f: c.f}, depth+1)
					}
					return dyn()
				}
			}
		}
		v := dyn()
		v.forward = true
		return v
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			a, b := s.eval(e.X, en, depth+1), s.eval(e.Y, en, depth+1)
			return val{s: a.s + b.s, const_: a.const_ && b.const_, set: true}
		}
	case *ast.CompositeLit:
		if n := fieldsOf(e, nil)["Name"]; n != nil {
			return s.eval(n, en, depth+1) // a party: its name
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && len(e.Args) > 0 {
			if x, ok := sel.X.(*ast.Ident); ok && en.f.imports[x.Name] == "fmt" && (sel.Sel.Name == "Sprintf" || sel.Sel.Name == "Errorf") {
				v := s.eval(e.Args[0], en, depth+1)
				return val{s: v.s, const_: v.const_, set: true}
			}
		}
		if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "string" && len(e.Args) == 1 {
			if v := s.eval(e.Args[0], en, depth+1); v.const_ {
				return v
			}
		}
	}
	return dyn()
}

// fieldsOf maps a literal's field names to their expressions, keyed or
// positional.
func fieldsOf(lit *ast.CompositeLit, names []string) map[string]ast.Expr {
	out := map[string]ast.Expr{}
	for i, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok {
				out[id.Name] = kv.Value
			}
			continue
		}
		if i < len(names) {
			out[names[i]] = e
		}
	}
	return out
}

type placed struct {
	vals map[string]val
	f    *file
	top  string
}

// resolve evaluates the fields of a literal or call where it stands, or —
// when they use parameters of the small helper they sit in — at every call
// of that helper in the package.
func (s *scanner) resolve(fields map[string]ast.Expr, f *file, fn *fnCtx, top string) []placed {
	evalAll := func(en *env) map[string]val {
		out := map[string]val{}
		for k, e := range fields {
			if e != nil {
				out[k] = s.eval(e, en, 0)
			}
		}
		return out
	}
	en := &env{f: f, top: fn.top, params: fn.params, used: map[string]bool{}}
	here := evalAll(en)
	if len(en.used) == 0 || fn.name == "" {
		return []placed{{here, f, top}}
	}
	var out []placed
	for _, c := range s.calls {
		if c.f.pkg != f.pkg || len(c.call.Args) != len(fn.params) {
			continue
		}
		switch fun := c.call.Fun.(type) {
		case *ast.Ident:
			if fn.method || fun.Name != fn.name {
				continue
			}
			if fn.lit != nil && c.fn.top != fn.top {
				continue // a closure is called within its home function
			}
		case *ast.SelectorExpr:
			if !fn.method || fun.Sel.Name != fn.name {
				continue
			}
		default:
			continue
		}
		callEnv := &env{f: c.f, top: c.fn.top, params: c.fn.params}
		bind := map[string]binding{}
		for i, p := range fn.params {
			bind[p] = binding{c.call.Args[i], callEnv}
		}
		out = append(out, placed{evalAll(&env{f: f, top: fn.top, params: fn.params, bind: bind}), c.f, c.top})
	}
	if len(out) == 0 {
		return []placed{{here, f, top}}
	}
	return out
}

func (s *scanner) resolveRules(c *Catalogue) {
	for _, ls := range s.lits {
		if ls.err {
			continue
		}
		sh := ls.shape
		fields := fieldsOf(ls.lit, sh.fields)
		want := map[string]ast.Expr{"rule": fields[sh.rule], "message": fields[sh.message], "basis": fields[sh.basis], "fixer": fields[sh.fixer]}
		if want["fixer"] == nil && ls.outer != nil {
			// a Reason embedded in a look-alike that names who fixes it
			of := fieldsOf(ls.outer, nil)
			want["fixer"] = of["Fixer"]
			if want["fixer"] == nil {
				want["fixer"] = of["Responsible"]
			}
		}
		if cl, ok := want["fixer"].(*ast.CompositeLit); ok {
			// a party: its Name is the fixer
			want["fixer"] = fieldsOf(cl, nil)["Name"]
		}
		for _, p := range s.resolve(want, ls.f, ls.fn, ls.top) {
			r := p.vals["rule"]
			if !r.set {
				continue // a literal that gives no code at all (a zero value)
			}
			if r.forward {
				c.Forwards = append(c.Forwards, Forward{Expr: strings.Trim(r.s, "{}"), Package: p.f.pkg.dir, File: p.f.name, Func: p.top, Form: sh.form()})
				continue
			}
			m, b, fx := p.vals["message"], p.vals["basis"], p.vals["fixer"]
			c.Rules = append(c.Rules, Definition{
				Rule: r.s, Dynamic: !r.const_, Message: m.s, Basis: b.s, Fixer: fx.s,
				Package: p.f.pkg.dir, File: p.f.name, Func: p.top, Form: sh.form(), Guide: sh.guide || guideFunc(p.top),
				messageConst: m.const_ || !m.set, basisConst: b.const_ || !b.set, fixerConst: fx.const_ || !fx.set,
			})
		}
	}
}

var kindNames = []string{"Internal", "Invalid", "Unauthenticated", "Forbidden", "NotFound", "Conflict", "Refused", "TooManyRequests"}

func (s *scanner) kindOf(f *file, e ast.Expr) string {
	for _, k := range kindNames {
		if s.isProblem(f, e, k) {
			return k
		}
	}
	if e == nil {
		return "Internal"
	}
	return "{" + s.src(f, e) + "}"
}

func (s *scanner) resolveCodes(c *Catalogue) {
	prob := s.module + "/internal/problem"
	add := func(f *file, fn *fnCtx, top, call string, kind ast.Expr, kindName string, fields map[string]ast.Expr) {
		for _, p := range s.resolve(fields, f, fn, top) {
			code := p.vals["code"]
			k := kindName
			if k == "" {
				k = s.kindOf(f, kind)
			}
			c.Codes = append(c.Codes, Code{Code: code.s, Dynamic: !code.const_, Kind: k, Message: p.vals["message"].s,
				Package: p.f.pkg.dir, File: p.f.name, Func: p.top, Call: call})
		}
	}
	for _, ls := range s.lits {
		if !ls.err || ls.f.pkg.path == prob {
			continue
		}
		fields := fieldsOf(ls.lit, []string{"Kind", "Code", "Message"})
		if fields["Code"] == nil {
			continue
		}
		add(ls.f, ls.fn, ls.top, "Error", fields["Kind"], "", map[string]ast.Expr{"code": fields["Code"], "message": fields["Message"]})
	}
	for _, cs := range s.calls {
		sel, ok := cs.call.Fun.(*ast.SelectorExpr)
		var name string
		switch {
		case ok && s.isProblem(cs.f, sel, sel.Sel.Name):
			name = sel.Sel.Name
		case !ok && cs.f.pkg.path == prob:
			if id, ok := cs.call.Fun.(*ast.Ident); ok {
				name = id.Name
			}
		}
		args := cs.call.Args
		switch {
		case (name == "New" || name == "Newf") && len(args) >= 3:
			add(cs.f, cs.fn, cs.top, name, args[0], "", map[string]ast.Expr{"code": args[1], "message": args[2]})
		case name == "Wrap" && len(args) == 2:
			add(cs.f, cs.fn, cs.top, name, nil, "Internal", map[string]ast.Expr{"code": args[1], "message": wrapMessage})
		case name == "" && ok && sel.Sel.Name == "Err" && len(args) == 2 && cs.f.pkg.path != prob:
			recv, isID := sel.X.(*ast.Ident)
			if !isID || cs.fn.top == nil {
				continue
			}
			switch s.localType(cs.f, cs.fn.top, recv.Name) {
			case "Refusal":
				add(cs.f, cs.fn, cs.top, "Refusal.Err", nil, "Refused", map[string]ast.Expr{"code": args[0], "message": args[1]})
			case "Fields":
				add(cs.f, cs.fn, cs.top, "Fields.Err", nil, "Invalid", map[string]ast.Expr{"code": args[0], "message": args[1]})
			}
		}
	}
}

// localType says whether name is declared in fn as a problem.Refusal or
// problem.Fields (a parameter, a var, or := of a literal).
func (s *scanner) localType(f *file, fn *ast.FuncDecl, name string) string {
	kind := ""
	check := func(t ast.Expr) {
		for _, k := range []string{"Refusal", "Fields"} {
			if t != nil && s.isProblem(f, t, k) {
				kind = k
			}
		}
	}
	for _, fl := range fn.Type.Params.List {
		for _, n := range fl.Names {
			if n.Name == name {
				check(fl.Type)
			}
		}
	}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if id.Name == name {
					check(n.Type)
					if n.Type == nil && i < len(n.Values) {
						check(n.Values[i])
					}
				}
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == name && i < len(n.Rhs) {
						check(n.Rhs[i])
					}
				}
			}
		}
		return true
	})
	return kind
}

func (c *Catalogue) sort() {
	slices.SortFunc(c.Rules, func(a, b Definition) int {
		return cmpAll(a.Package, b.Package, a.Rule, b.Rule, boolKey(a.Guide), boolKey(b.Guide), a.File, b.File, a.Func, b.Func, a.Message, b.Message, a.Basis, b.Basis, a.Fixer, b.Fixer)
	})
	c.Rules = slices.Compact(c.Rules)
	slices.SortFunc(c.Forwards, func(a, b Forward) int {
		return cmpAll(a.Package, b.Package, a.File, b.File, a.Func, b.Func, a.Expr, b.Expr, a.Form, b.Form)
	})
	c.Forwards = slices.Compact(c.Forwards)
	slices.SortFunc(c.Codes, func(a, b Code) int {
		return cmpAll(a.Package, b.Package, a.Code, b.Code, a.Kind, b.Kind, a.Message, b.Message, a.File, b.File, a.Func, b.Func, a.Call, b.Call)
	})
	c.Codes = slices.Compact(c.Codes)
}

func boolKey(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func cmpAll(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

// place is where a definition is: a package's function (variants of one
// rule within one check are its situations, not a conflict).
func (d Definition) place() string {
	where := d.Package + "/" + d.File
	if d.Func != "" {
		where += " " + d.Func
	}
	return where
}

// findings reports, for each rule code defined in more than one place, a
// basis or fixer (and, among refusals, a message) that the places do not
// agree on; a refusal without a basis or a fixer; and an error code given
// with two kinds.
func findings(c *Catalogue) []Finding {
	var out []Finding
	byRule := map[string][]Definition{}
	var rules []string
	for _, d := range c.Rules {
		if d.Dynamic {
			continue
		}
		if byRule[d.Rule] == nil {
			rules = append(rules, d.Rule)
		}
		byRule[d.Rule] = append(byRule[d.Rule], d)
		if !d.Guide && d.basisConst && strings.TrimSpace(d.Basis) == "" {
			out = append(out, Finding{Kind: "no-basis", Rule: d.Rule, Detail: "a refusal without a legal basis (" + d.place() + ")"})
		}
		if !d.Guide && d.fixerConst && strings.TrimSpace(d.Fixer) == "" {
			out = append(out, Finding{Kind: "no-fixer", Rule: d.Rule, Detail: "a refusal that names no one who can fix it (" + d.place() + ")"})
		}
	}
	sort.Strings(rules)
	for _, r := range rules {
		defs := byRule[r]
		for _, field := range []string{"basis", "fixer", "message"} {
			if f, ok := conflict(r, field, defs); ok {
				out = append(out, f)
			}
		}
	}
	kinds := map[string]map[string][]string{}
	var codes []string
	for _, k := range c.Codes {
		if k.Dynamic {
			continue
		}
		if kinds[k.Code] == nil {
			kinds[k.Code] = map[string][]string{}
			codes = append(codes, k.Code)
		}
		w := k.Package + "/" + k.File
		if !slices.Contains(kinds[k.Code][k.Kind], w) {
			kinds[k.Code][k.Kind] = append(kinds[k.Code][k.Kind], w)
		}
	}
	sort.Strings(codes)
	for _, code := range codes {
		if len(kinds[code]) < 2 {
			continue
		}
		var parts []string
		for _, k := range sortedKeys(kinds[code]) {
			parts = append(parts, k+" ("+strings.Join(kinds[code][k], ", ")+")")
		}
		out = append(out, Finding{Kind: "kind-conflict", Rule: code, Field: "kind", Detail: strings.Join(parts, "; ")})
	}
	slices.SortFunc(out, func(a, b Finding) int { return cmpAll(a.Key(), b.Key(), a.Detail, b.Detail) })
	return slices.Compact(out)
}

// conflict compares the values a field takes in each place a rule is
// defined: two places conflict when neither's set of (constant) values holds
// the other's (a check may name a fixer per situation, and the guide one of
// them; a fixer the check never names is a conflict).
// Messages are compared among refusals only (a guide's text is a condition,
// not a refusal).
func conflict(rule, field string, defs []Definition) (Finding, bool) {
	sets := map[string][]string{}
	for _, d := range defs {
		var v string
		var ok bool
		switch field {
		case "basis":
			v, ok = d.Basis, d.basisConst
		case "fixer":
			v, ok = d.Fixer, d.fixerConst
		case "message":
			v, ok = d.Message, d.messageConst && !d.Guide
		}
		if !ok {
			continue
		}
		p := d.place()
		if !slices.Contains(sets[p], v) {
			sets[p] = append(sets[p], v)
		}
	}
	if len(sets) < 2 {
		return Finding{}, false
	}
	places := sortedKeys(sets)
	agree := true
	for i, a := range places {
		for _, b := range places[i+1:] {
			agree = agree && (subset(sets[a], sets[b]) || subset(sets[b], sets[a]))
		}
	}
	if agree {
		return Finding{}, false
	}
	byValue := map[string][]string{}
	for _, p := range places {
		for _, v := range sets[p] {
			byValue[v] = append(byValue[v], p)
		}
	}
	var parts []string
	for _, v := range sortedKeys(byValue) {
		q := strconv.Quote(v)
		if v == "" {
			q = "(none)"
		}
		parts = append(parts, q+" in "+strings.Join(byValue[v], ", "))
	}
	return Finding{Kind: "conflict", Rule: rule, Field: field, Detail: strings.Join(parts, "; ")}, true
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// wrapMessage is the message problem.Wrap gives every error it wraps.
var wrapMessage = &ast.BasicLit{Kind: token.STRING, Value: `"系统内部错误"`}

func subset(a, b []string) bool {
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	return true
}
