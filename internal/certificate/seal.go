package certificate

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// SealPurpose is the line a registration authority's certificate seal
// carries under its star.
const SealPurpose = "不动产登记专用章"

// The seal's geometry, in the units of its 200×200 viewBox: a round
// official seal (公章) is a red ring, the authority's name along the top of
// the ring with every character turned to face the centre, a five-pointed
// star in the middle and the seal's purpose in a line underneath.
const (
	sealCentre    = 100.0
	sealRing      = 94.0 // the ring's centre line
	sealRingWidth = 6.0
	sealTextEdge  = 87.0  // the outer edge of the name's characters
	sealSpan      = 220.0 // at most this many degrees of the ring carry the name
	sealStep      = 24.0  // degrees between characters of a short name
	sealStar      = 30.0  // the star's outer radius
	sealLineY     = 148.0 // centre of the purpose line
	sealLineWidth = 128.0 // the purpose line is at most this wide
	sealRed       = "#d6001c"
)

// SealGlyph is one character of the authority's name as the seal places
// it: its centre sits at Radius from the seal's centre, turned Angle
// degrees clockwise from the top.
type SealGlyph struct {
	Char   string
	Angle  float64
	Radius float64
	Size   float64 // font size
}

// SealArc places the characters of name along the top of the ring: evenly
// spread, centred on the top, at most sealSpan degrees in all, smaller
// characters for a longer name so that neighbours never touch.
func SealArc(name string) []SealGlyph {
	chars := []rune(strings.TrimSpace(name))
	n := len(chars)
	if n == 0 {
		return nil
	}
	step := math.Min(sealStep, sealSpan/float64(n))
	// A character takes about 85% of the arc between neighbours, and its
	// outer edge stays sealTextEdge from the centre: the radius depends on
	// the size, so solve size = 0.85·(edge − size/2)·step for the size.
	rad := step * math.Pi / 180
	size := math.Min(28, 0.85*sealTextEdge*rad/(1+0.85*rad/2))
	radius := sealTextEdge - size/2
	out := make([]SealGlyph, n)
	for i, c := range chars {
		out[i] = SealGlyph{Char: string(c), Angle: (float64(i) - float64(n-1)/2) * step, Radius: radius, Size: size}
	}
	return out
}

// Seal draws the registration authority's round red seal as inline SVG:
// the ring, authority (the signing key's organisation) around its top
// arc, a five-pointed star, and purpose (e.g. SealPurpose) beneath the
// star. Colours and sizes are presentation attributes, not style, so the
// pages' Content-Security-Policy lets it show; every text is escaped.
func Seal(authority, purpose string) string {
	var b strings.Builder
	label := html.EscapeString(strings.TrimSpace(authority) + " " + purpose)
	fmt.Fprintf(&b, `<svg class="seal" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="160" height="160" role="img" aria-label="%s">`, label)
	fmt.Fprintf(&b, `<title>%s</title>`, label)
	fmt.Fprintf(&b, `<g fill="%s" font-family="SimSun, 'Songti SC', 'Noto Serif CJK SC', 'Source Han Serif SC', serif" font-weight="bold">`, sealRed)
	fmt.Fprintf(&b, `<circle class="seal-ring" cx="%g" cy="%g" r="%g" fill="none" stroke="%s" stroke-width="%g"></circle>`,
		sealCentre, sealCentre, sealRing, sealRed, sealRingWidth)
	for _, g := range SealArc(authority) {
		// Written upright at the top of the ring, then turned about the
		// seal's centre: the character moves along the ring and faces
		// the centre, as a seal's characters do.
		fmt.Fprintf(&b, `<text class="seal-char" x="%g" y="%.2f" font-size="%.2f" text-anchor="middle" dominant-baseline="central" transform="rotate(%.2f %g %g)">%s</text>`,
			sealCentre, sealCentre-g.Radius, g.Size, g.Angle, sealCentre, sealCentre, html.EscapeString(g.Char))
	}
	fmt.Fprintf(&b, `<polygon class="seal-star" points="%s"></polygon>`, starPoints(sealCentre, sealCentre, sealStar))
	if p := []rune(strings.TrimSpace(purpose)); len(p) > 0 {
		size := math.Min(17, sealLineWidth/float64(len(p)))
		fmt.Fprintf(&b, `<text class="seal-purpose" x="%g" y="%g" font-size="%.2f" text-anchor="middle" dominant-baseline="central" textLength="%.2f" lengthAdjust="spacingAndGlyphs">%s</text>`,
			sealCentre, sealLineY, size, size*float64(len(p)), html.EscapeString(string(p)))
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}

// starPoints are the ten corners of a five-pointed star of outer radius r
// centred on (cx, cy), one point straight up.
func starPoints(cx, cy, r float64) string {
	inner := r * math.Sin(math.Pi/10) / math.Sin(7*math.Pi/10) // the inner corners of a regular star
	var b strings.Builder
	for k := range 10 {
		rr := r
		if k%2 == 1 {
			rr = inner
		}
		a := -math.Pi/2 + float64(k)*math.Pi/5
		if k > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.2f,%.2f", cx+rr*math.Cos(a), cy+rr*math.Sin(a))
	}
	return b.String()
}
