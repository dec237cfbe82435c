package simulation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strconv"

	"handover/internal/chart"
)

func itoa(n int) string { return strconv.Itoa(n) }

func percent(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// warningLabels name how a miss was warned of.
var warningLabels = map[string]string{
	MissWarned:     "已提前5个工作日以上预警",
	MissLate:       "原因产生时距交房不足5个工作日",
	MissUnwarned:   "原因早已存在而未及时预警",
	MissUnforeseen: "预演未发现",
}

// Write writes the report into dir as report.json and report.html (a page
// that needs nothing from elsewhere: its charts are inline SVG drawn by
// the platform's chart code, its style inline).
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	page, err := r.HTML()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.html"), page, 0o644)
}

// reportPage is what the page template sees.
type reportPage struct {
	R        *Report
	Charts   map[string]template.HTML
	Warnings []chart.Bar
}

// HTML is the report as a page.
func (r *Report) HTML() ([]byte, error) {
	pg := reportPage{R: r, Charts: map[string]template.HTML{}}
	bands := func(bs []Band, unit string) []chart.Bar {
		var out []chart.Bar
		for _, b := range bs {
			out = append(out, chart.Bar{Label: b.Label, Value: b.N, Note: unit})
		}
		return out
	}
	var counties []chart.Bar
	for _, c := range r.Counties {
		counties = append(counties, chart.Bar{Label: c.Name, Value: c.HandedOver - c.SameDay, Note: fmt.Sprintf(" 户（当日发证率 %s）", percent(c.Share))})
	}
	pg.Charts["counties"] = chart.HBars("各县市、园区未当日发证的户数", counties)
	pg.Charts["spread"] = chart.HBars("竣工验收备案至发证的工作日数", bands(r.Spread, " 户"))
	for _, k := range []string{MissWarned, MissLate, MissUnwarned, MissUnforeseen} {
		pg.Warnings = append(pg.Warnings, chart.Bar{Label: warningLabels[k], Value: r.ByWarning[k], Note: " 户"})
	}
	pg.Charts["warnings"] = chart.HBars("未当日发证的户：预警情况", pg.Warnings)
	pg.Charts["owners"] = chart.HBars("未当日发证的户：应当处理的一方", bands(r.ByOwner, " 户"))
	var alerts []chart.Bar
	for _, a := range r.Alerts {
		alerts = append(alerts, chart.Bar{Label: a.Label, Value: a.Raised, Note: fmt.Sprintf(" 条（其中无关 %d 条）", a.Noise)})
	}
	pg.Charts["alerts"] = chart.HBars("全年预警条数", alerts)
	var b bytes.Buffer
	err := reportTemplate.Execute(&b, pg)
	return b.Bytes(), err
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"percent": percent,
	"warning": func(k string) string { return warningLabels[k] },
	"days": func(n int) string {
		if n < 0 {
			return "未预警"
		}
		return strconv.Itoa(n)
	},
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>交房即交证模拟报告：{{.R.Title}}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; color: #1d2733; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; line-height: 1.6; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccd; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; } th, td { border: 1px solid #ccd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; } .figures div { border: 1px solid #ccd; border-radius: 6px; padding: .5rem 1rem; min-width: 10rem; }
.figures b { display: block; font-size: 1.6rem; }
.met { color: #17653a; font-weight: 600; } .unmet { color: #a01c1c; font-weight: 600; }
svg.chart { width: 100%; max-width: 44rem; height: auto; display: block; margin: .5rem 0 1rem; }
svg.chart .label { font-size: 12px; fill: #1d2733; } svg.chart .value { font-size: 12px; fill: #5b6675; } svg.chart .axis { stroke: #ccd; }
svg.chart .bar.s0 { fill: #a9c1dc; } svg.chart .bar.s1 { fill: #7fa3cb; } svg.chart .bar.s2 { fill: #5383b8; } svg.chart .bar.s3 { fill: #2f64a0; } svg.chart .bar.s4 { fill: #15457a; }
.muted { color: #5b6675; }
</style></head><body>
<h1>交房即交证模拟报告：{{.R.Title}}（{{.R.Scenario}}）</h1>
<p>{{.R.Description}}</p>
<p class="muted">模拟期 {{.R.From}} 至 {{.R.To}}；{{.R.Projects}} 个项目、{{.R.Flats}} 户；随机种子 {{.R.Seed}}（同一种子、同一情景重跑结果相同）。</p>

<h2 id="targets">目标</h2>
<table id="target-list"><thead><tr><th>目标</th><th>要求</th><th>实际</th><th>结论</th></tr></thead><tbody>
{{range .R.Targets}}<tr><td>{{.Name}}</td><td>{{.Want}}</td><td>{{.Got}}</td><td class="{{if .Met}}met{{else}}unmet{{end}}">{{if .Met}}达到{{else}}未达到{{end}}</td></tr>{{end}}
</tbody></table>

<h2 id="figures">主要指标</h2>
<div class="figures">
<div>交房户数<b>{{.R.HandedOver}}</b></div>
<div>交房当日发证<b>{{.R.SameDay}}</b>{{percent .R.Share}}</div>
<div>竣工验收备案至发证（中位）<b>{{.R.Median}}</b>个工作日</div>
<div>竣工验收备案至发证（90%）<b>{{.R.P90}}</b>个工作日</div>
<div>未当日发证<b>{{len .R.Misses}}</b>户</div>
<div>推迟交房的项目<b>{{.R.Postponed}}</b>个</div>
</div>

<h2 id="counties">各县市、园区</h2>
{{index .Charts "counties"}}
<table id="county-list"><thead><tr><th>县市、园区</th><th>交房户数</th><th>当日发证</th><th>当日发证率</th></tr></thead><tbody>
{{range .R.Counties}}<tr><td>{{.Name}}</td><td class="n">{{.HandedOver}}</td><td class="n">{{.SameDay}}</td><td class="n">{{percent .Share}}</td></tr>{{end}}
</tbody></table>

<h2 id="spread">竣工验收备案至发证</h2>
<p>改革要求竣工验收备案后20个工作日内交房并发证。已发证 {{.R.Certified}} 户：中位 {{.R.Median}} 个工作日，90% 在 {{.R.P90}} 个工作日内。</p>
{{index .Charts "spread"}}

<h2 id="projects">各项目</h2>
<table><thead><tr><th>项目</th><th>计划交房日</th><th>交房日</th><th>交房户数</th><th>当日发证</th><th>当日发证率</th></tr></thead><tbody>
{{range .R.Projs}}<tr><td>{{.Name}}</td><td>{{.PlannedOn}}</td><td>{{.HeldOn}}</td><td class="n">{{.HandedOver}}</td><td class="n">{{.SameDay}}</td><td class="n">{{percent .Share}}</td></tr>{{end}}
</tbody></table>

<h2 id="warnings">未当日发证的户与预警</h2>
{{index .Charts "warnings"}}
{{if .R.ByOwner}}{{index .Charts "owners"}}{{end}}
<table><thead><tr><th>预警情况</th><th>户数</th></tr></thead><tbody>
{{range .Warnings}}<tr><td>{{.Label}}</td><td class="n">{{.Value}}</td></tr>{{end}}
</tbody></table>
{{if .R.Misses}}
<table id="misses"><thead><tr><th>项目</th><th>户</th><th>交房日</th><th>受阻原因（批量办理当日）</th><th>应当处理的一方：预演首次列出／预警首次送达（交房前工作日数）</th><th>预警情况</th><th>后来发证</th></tr></thead><tbody>
{{range .R.Misses}}<tr><td>{{.Project}}</td><td>{{.Room}}</td><td>{{.HeldOn}}</td><td>{{range .Reasons}}{{.}}<br>{{end}}</td>
<td>{{range .Owners}}{{.Owner}}：{{days .Listed}}／{{days .Warned}}<br>{{end}}</td><td>{{warning .Warning}}</td><td>{{.Later}}</td></tr>{{end}}
</tbody></table>
{{else}}<p>没有未当日发证的户。</p>{{end}}

<h2 id="alerts">预警</h2>
<p class="muted">“无关”指既未指向任何未当日发证的户所待处理的一方（或其项目），也未促使任何一方采取行动的预警。</p>
{{index .Charts "alerts"}}
<table><thead><tr><th>预警类型</th><th>发出</th><th>无关</th></tr></thead><tbody>
{{range .R.Alerts}}<tr><td>{{.Label}}</td><td class="n">{{.Raised}}</td><td class="n">{{.Noise}}</td></tr>{{end}}
</tbody></table>
</body></html>
`))
