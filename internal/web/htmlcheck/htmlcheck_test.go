package htmlcheck

import (
	"strings"
	"testing"
)

// page has each phrase the tests look for in more than one place, so a check
// that looked at the whole page instead of the element would pass wrongly.
const page = `<!doctype html>
<html><head><title>楼盘表 · 平台</title><style>.x{content:"已预告"}</style></head>
<body>
<nav class="side"><a href="/registration">待登簿</a><a class="active" href="/ledger">楼盘表</a></nav>
<main id="main">
  <h1>昌吉某小区 1 号楼</h1>
  <div class="alert err" role="alert">申请未受理：
    <ul class="reasons"><li>契税未缴纳</li><li>存在 查封 限制</li></ul>
  </div>
  <table id="units">
    <tr><th>户号</th><th>状态</th><th>说明</th></tr>
    <tr data-state="sold"><td>0101</td><td><span class="badge s-sold" title="已网签">已网签</span></td><td>契税已缴纳</td></tr>
    <tr data-state="blocked"><td>0102</td><td><span class="badge s-blocked">限制</span></td><td>查封</td></tr>
  </table>
  <form id="receive"><input name="paper_serial" value="XJ26000002"><input name="paper_serial" value="XJ26000003"></form>
  <p class="note">共 <strong>2</strong> 户</p>
  <script>var s = "待审核";</script>
</main>
</body></html>`

func TestCheckers(t *testing.T) {
	tests := []struct {
		name    string
		check   Checker
		wantErr string // "" when the check passes; else a part of its message
	}{
		{"heading", In("h1", HasText("1 号楼")), ""},
		{"exact heading", In("h1", HasExactText("昌吉某小区 1 号楼")), ""},
		{"exact is whole", In("h1", HasExactText("1 号楼")), `want "1 号楼"`},
		{"white space collapsed", In("p.note", HasExactText("共 2 户")), ""},
		{"no such element", In("h2", HasText("x")), `no element matches "h2"`},
		// The phrase is on the page, but not in the element chosen.
		{"phrase in nav, not heading", In("h1", HasText("待登簿")), `want it to contain "待登簿"`},
		{"phrase in another row", In(`#units tr[data-state=sold] td:nth-child(3)`, HasText("查封")), `want it to contain "查封"`},
		{"phrase in another cell", In(`#units tr:nth-child(3) td:first-child`, HasText("查封")), `want it to contain "查封"`},
		{"phrase in title attribute only", In(".badge.s-sold", HasText("网签"), HasAttr("title", "已网签")), ""},
		{"phrase only in a script", In("main", HasText("待审核")), `want it to contain "待审核"`},
		{"phrase only in a style", In("html", HasText("已预告")), `want it to contain "已预告"`},
		{"reasons list", In(".alert.err .reasons", HasText("契税未缴纳"), HasText("查封")), ""},
		{"reason not in the list", In(".alert.err .reasons", HasText("楼盘表")), `want it to contain "楼盘表"`},
		{"child combinator", In("#units > tbody > tr:last-child > td:last-child", HasExactText("查封")), ""},
		{"child is not descendant", In("main > td", HasText("0101")), "no element matches"},
		{"descendant", In("main td", HasExactText("0101")), ""},
		{"attribute present", In("tr[data-state]", HasAttr("data-state", "sold")), ""},
		{"attribute value quoted", In(`input[name="paper_serial"][value='XJ26000003']`), ""},
		{"attribute value differs", In(`tr[data-state=sold] .badge`, HasAttr("title", "限制")), `title="已网签", want "限制"`},
		{"attribute missing", In("h1", HasAttr("id", "x")), "has no attribute id"},
		{"class among several", In(`tr[data-state=blocked] .badge`, HasClass("s-blocked")), ""},
		{"class lacking", In(`tr[data-state=blocked] .badge`, HasClass("s-sold")), `want "s-sold"`},
		{"class must be whole", In(".s"), "no element matches"},
		{"universal", In("#units * .s-blocked", HasText("限制")), ""},
		{"count", Count(`input[name=paper_serial]`, 2), ""},
		{"count wrong", Count(`input[name=paper_serial]`, 1), "got 2 elements"},
		{"count none", Count("#nothing", 0), ""},
		{"none", None("#issue"), ""},
		{"none fails", None("#receive"), `an element matches "#receive"`},
		{"not in with checks", NotIn("#units td", HasText("抵押")), ""},
		{"not in with checks fails", NotIn("#units td", HasText("查封")), `passes the checks`},
		{"lacks text", In("h1", LacksText("待登簿")), ""},
		{"lacks text fails", In("nav", LacksText("待登簿")), `want it without "待登簿"`},
		{"in all", InAll("#units tr[data-state] td:first-child", HasText("010")), ""},
		{"in all fails on one", InAll("#units tr[data-state] td:last-child", HasText("契税")), "match 2 of 2"},
		{"in any", InAny("#units tr", HasText("0102"), HasText("查封")), ""},
		{"in any needs one element with all", InAny("#units tr", HasText("0101"), HasText("查封")), "none of the 3 elements"},
		{"all", All(In("h1"), In("#units")), ""},
		{"all reports each", All(In("h2"), In("h1", HasText("甲"))), `no element matches "h2"`},
		{"nested in", In("#units", In("tr[data-state=blocked]", In("td:nth-child(3)", HasExactText("查封")))), ""},
		// Nested selectors look only below the element chosen.
		{"nested stays inside", In("h1", In("td")), "no element matches"},
	}
	for _, tt := range tests {
		err := Run(page, tt.check)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: got %v, want no error", tt.name, err)
		case tt.wantErr != "" && err == nil:
			t.Errorf("%s: got no error, want one with %q", tt.name, tt.wantErr)
		case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
			t.Errorf("%s: got %v, want an error with %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestRunReportsEveryFailure(t *testing.T) {
	err := Run(page, In("h1", HasText("甲")), In("h1", HasText("乙")), In("h1"))
	if err == nil || !strings.Contains(err.Error(), `"甲"`) || !strings.Contains(err.Error(), `"乙"`) {
		t.Errorf("got %v, want both failures", err)
	}
}

func TestSelectorSyntax(t *testing.T) {
	tests := []struct {
		sel    string
		wantOK bool
	}{
		{"td", true},
		{"#units tr:nth-child(2) > td.x[data-a][b=c]", true},
		{`a[href="/x y"]`, true},
		{"*", true},
		{" main  h1 ", true},
		{"a>b", true},
		{"", false},
		{"h1 >", false},
		{"> h1", false},
		{".", false},
		{"#", false},
		{"[x", false},
		{`[x="y]`, false},
		{"td:nth-child(0)", false},
		{"td:nth-child(2n+1)", false},
		{"td:hover", false},
		{"a, b", false},
		{"a ~ b", false},
	}
	for _, tt := range tests {
		_, err := compile(tt.sel)
		if got := err == nil; got != tt.wantOK {
			t.Errorf("compile(%q): got error %v, want ok %v", tt.sel, err, tt.wantOK)
		}
	}
}

func TestText(t *testing.T) {
	doc, err := Parse("<p>交房即交证时限至\n  <strong>2026年4月9日</strong>\t。</p>")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Text(doc), "交房即交证时限至 2026年4月9日 。"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

func TestFind(t *testing.T) {
	doc, err := Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Text(Find(doc, "#units tr[data-state=blocked] td")), "0102"; got != want {
		t.Errorf("Find: got %q, want %q", got, want)
	}
	if got := Find(doc, "#units tr.none"); got != nil {
		t.Errorf("Find of nothing: got %v, want nil", got)
	}
	var serials []string
	for _, n := range FindAll(doc, "#receive input") {
		v, _ := attr(n, "value")
		serials = append(serials, v)
	}
	if got, want := strings.Join(serials, " "), "XJ26000002 XJ26000003"; got != want {
		t.Errorf("FindAll: got %q, want %q", got, want)
	}
}
