// Package chart draws the platform's charts as plain SVG on the server:
// no script, no font or style from elsewhere, every text escaped. The same
// numbers are always shown in a table beside a chart, for screen readers
// and for copying; the chart only makes them quick to compare. The pages'
// stylesheet (and the simulation report's) styles the classes used here:
// svg.chart, .label, .value, .axis and .bar.s0 to .bar.s4.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"unicode/utf8"
)

// Bar is one bar: its label, its value and where it links ("" for none).
type Bar struct {
	Label string
	Value int
	Href  string
	// Note follows the value (e.g. "户，98.2%"); "" for none.
	Note string
}

// HBars draws horizontal bars, each a link to its records when it has one.
// The labels' column fits the longest label (up to about 20 characters).
func HBars(title string, bars []Bar) template.HTML {
	const w, rowH = 640, 28
	top := 8
	h := top + rowH*len(bars) + 8
	maxV, note, label := 1, 0, 0
	for _, b := range bars {
		maxV = max(maxV, b.Value)
		note = max(note, utf8.RuneCountInString(b.Note))
		label = max(label, utf8.RuneCountInString(b.Label))
	}
	// Room left for the longest label, within reason.
	left := min(max(12*label+16, 100), 260)
	// Room right of the longest bar for its value and note (12px a
	// character, numbers about half).
	right := 70 + 12*note
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg">`, html.EscapeString(title), w, h)
	fmt.Fprintf(&sb, `<title>%s</title>`, html.EscapeString(title))
	for i, b := range bars {
		y := top + i*rowH
		bw := max(0, w-left-right) * b.Value / maxV
		open, closing := "<g>", "</g>"
		if b.Href != "" {
			open, closing = fmt.Sprintf(`<a href="%s">`, html.EscapeString(b.Href)), "</a>"
		}
		sb.WriteString(open)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end" class="label">%s</text>`, left-8, y+17, html.EscapeString(b.Label))
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" class="bar s%d"></rect>`, left, y+4, max(bw, 1), rowH-8, i%5)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="value">%d%s</text>`, left+max(bw, 1)+6, y+17, b.Value, html.EscapeString(b.Note))
		sb.WriteString(closing)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // every text is escaped above
}

// Pair is one slot of a paired-bar chart: a total (A) and the part of it
// that met the measure (B).
type Pair struct {
	Label string // under the slot, e.g. "11月"
	Name  string // in the bars' tooltips, e.g. "2026-11"
	A, B  int
	Href  string
}

// Pairs draws two bars a slot, A and B, with a legend naming them.
func Pairs(title, nameA, nameB string, slots []Pair) template.HTML {
	const w, h, bottom, top, left = 640, 240, 40, 16, 36
	maxV := 1
	for _, m := range slots {
		maxV = max(maxV, m.A, m.B)
	}
	slot := (w - left) / max(len(slots), 1)
	scale := func(v int) int { return (h - bottom - top) * v / maxV }
	esc := html.EscapeString
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg">`, esc(title), w, h)
	fmt.Fprintf(&sb, `<title>%s</title>`, esc(title))
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"></line>`, left, h-bottom, w, h-bottom)
	fmt.Fprintf(&sb, `<text x="%d" y="%d" class="value" text-anchor="end">%d</text>`, left-4, top+4, maxV)
	for i, m := range slots {
		x := left + i*slot + slot/6
		bw := slot / 3
		open, closing := "<g>", "</g>"
		if m.Href != "" {
			open, closing = fmt.Sprintf(`<a href="%s">`, esc(m.Href)), "</a>"
		}
		sb.WriteString(open)
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" class="bar s0"><title>%s %s %d 户</title></rect>`, x, h-bottom-scale(m.A), bw, scale(m.A), esc(m.Name), esc(nameA), m.A)
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" class="bar s1"><title>%s %s %d 户</title></rect>`, x+bw, h-bottom-scale(m.B), bw, scale(m.B), esc(m.Name), esc(nameB), m.B)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="label" text-anchor="middle">%s</text>`, x+bw, h-bottom+16, esc(m.Label))
		sb.WriteString(closing)
	}
	fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="10" height="10" class="bar s0"></rect><text x="%d" y="%d" class="label">%s</text>`, left, h-14, left+14, h-5, esc(nameA))
	fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="10" height="10" class="bar s1"></rect><text x="%d" y="%d" class="label">%s</text>`, left+110, h-14, left+124, h-5, esc(nameB))
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // numbers and escaped text only
}
