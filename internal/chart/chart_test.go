package chart

import (
	"strings"
	"testing"

	"handover/internal/web/htmlcheck"
)

func TestHBars(t *testing.T) {
	tests := []struct {
		name  string
		bars  []Bar
		links int
	}{
		{"none", nil, 0},
		{"linked and plain", []Bar{{Label: "<已交房>", Value: 4, Href: "/x?a=1&b=2"}, {Label: "受阻", Value: 0, Note: " 户"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg := string(HBars(`标题"<`, tt.bars))
			if strings.Contains(svg, "<已交房>") || strings.Contains(svg, `标题"<`) {
				t.Errorf("unescaped text in %s", svg)
			}
			htmlcheck.Expect(t, "hbars", "<body>"+svg+"</body>",
				htmlcheck.Count("svg.chart rect.bar", len(tt.bars)),
				htmlcheck.Count("svg.chart a", tt.links))
			for _, b := range tt.bars {
				if b.Value == 0 && !strings.Contains(svg, `width="1"`) {
					t.Errorf("a zero bar is not drawn one unit wide: %s", svg)
				}
			}
		})
	}
}

func TestPairs(t *testing.T) {
	slots := []Pair{{Label: "11月", Name: "2026-11", A: 4, B: 3, Href: "/u?m=11"}, {Label: "12月", Name: "2026-12", A: 0, B: 0}}
	svg := string(Pairs("按月", "交房", "交房当日发证", slots))
	htmlcheck.Expect(t, "pairs", "<body>"+svg+"</body>",
		// Two bars a slot and the legend's two swatches.
		htmlcheck.Count("svg.chart rect.bar", 2*len(slots)+2),
		htmlcheck.Count("svg.chart a", 1),
		htmlcheck.In("svg.chart title", htmlcheck.HasText("按月")))
}
