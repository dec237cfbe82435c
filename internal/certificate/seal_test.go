package certificate

import (
	"encoding/xml"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
)

// sealSVG is the drawn seal as an XML reader sees it.
type sealSVG struct {
	XMLName xml.Name `xml:"svg"`
	ViewBox string   `xml:"viewBox,attr"`
	Label   string   `xml:"aria-label,attr"`
	Title   string   `xml:"title"`
	G       struct {
		Fill   string `xml:"fill,attr"`
		Circle struct {
			CX          float64 `xml:"cx,attr"`
			CY          float64 `xml:"cy,attr"`
			R           float64 `xml:"r,attr"`
			Fill        string  `xml:"fill,attr"`
			Stroke      string  `xml:"stroke,attr"`
			StrokeWidth float64 `xml:"stroke-width,attr"`
		} `xml:"circle"`
		Texts []sealText `xml:"text"`
		Star  struct {
			Points string `xml:"points,attr"`
		} `xml:"polygon"`
	} `xml:"g"`
}

type sealText struct {
	Class      string  `xml:"class,attr"`
	X          float64 `xml:"x,attr"`
	Y          float64 `xml:"y,attr"`
	Size       float64 `xml:"font-size,attr"`
	TextLength float64 `xml:"textLength,attr"`
	Transform  string  `xml:"transform,attr"`
	Text       string  `xml:",chardata"`
}

var rotation = regexp.MustCompile(`^rotate\((-?[0-9.]+) ([0-9.]+) ([0-9.]+)\)$`)

// turned is where a character written at (x, y) and turned by its
// transform (a rotation about a point) lands, and the angle it is turned.
func turned(t *testing.T, c sealText) (px, py, angle float64) {
	t.Helper()
	m := rotation.FindStringSubmatch(c.Transform)
	if m == nil {
		t.Fatalf("character %q: transform %q is not a rotation about a point", c.Text, c.Transform)
	}
	var ox, oy float64
	fmt.Sscan(m[1], &angle)
	fmt.Sscan(m[2], &ox)
	fmt.Sscan(m[3], &oy)
	a := angle * math.Pi / 180
	dx, dy := c.X-ox, c.Y-oy
	return ox + dx*math.Cos(a) - dy*math.Sin(a), oy + dx*math.Sin(a) + dy*math.Cos(a), angle
}

// The seal is well-formed SVG: a red ring, every character of the
// authority's name in order on one circle inside the ring, turned to face
// the centre, clear of the star and of each other, the star in the
// middle, and the purpose line inside the ring; no style attribute.
func TestSealPlacesTheNameOnTheRing(t *testing.T) {
	names := []string{"昌吉市不动产登记中心", "昌吉回族自治州不动产登记中心", "登记中心", "玛纳斯县自然资源局不动产登记中心", "𠮷<A&B>登记中心"}
	for _, name := range names {
		raw := Seal(name, SealPurpose)
		if strings.Contains(raw, "style=") {
			t.Errorf("%s: the seal uses a style attribute, which the pages' CSP blocks", name)
		}
		var s sealSVG
		if err := xml.Unmarshal([]byte(raw), &s); err != nil {
			t.Fatalf("%s: not well-formed XML: %v\n%s", name, err, raw)
		}
		if s.ViewBox != "0 0 200 200" || !strings.Contains(s.Title, name) || !strings.Contains(s.Label, SealPurpose) {
			t.Errorf("%s: viewBox %q, title %q, label %q", name, s.ViewBox, s.Title, s.Label)
		}
		ring := s.G.Circle
		if ring.Stroke != sealRed || ring.Fill != "none" || s.G.Fill != sealRed || ring.CX != 100 || ring.CY != 100 {
			t.Errorf("%s: ring %+v, fill %q: want a red ring round the centre", name, ring, s.G.Fill)
		}
		inside := ring.R - ring.StrokeWidth/2 // the ring's inner edge
		var chars []sealText
		var purpose *sealText
		for i, c := range s.G.Texts {
			switch c.Class {
			case "seal-char":
				chars = append(chars, c)
			case "seal-purpose":
				purpose = &s.G.Texts[i]
			}
		}
		var got strings.Builder
		radius, prevAngle := -1.0, math.Inf(-1)
		for i, c := range chars {
			got.WriteString(c.Text)
			px, py, angle := turned(t, c)
			d := math.Hypot(px-ring.CX, py-ring.CY)
			if radius < 0 {
				radius = d
			}
			if math.Abs(d-radius) > 0.01 {
				t.Errorf("%s: character %d %q lies %.2f from the centre, the others %.2f: not on one circle", name, i, c.Text, d, radius)
			}
			// Written upright straight above the centre, so that turning
			// it about the centre keeps it facing the centre.
			if c.X != ring.CX || c.Y >= ring.CY {
				t.Errorf("%s: character %q written at (%g, %g), not above the centre", name, c.Text, c.X, c.Y)
			}
			if d+c.Size/2 > inside || d-c.Size/2 <= sealStar {
				t.Errorf("%s: character %q (size %.1f at %.1f) is not between the star and the ring's inner edge %.1f", name, c.Text, c.Size, d, inside)
			}
			if math.Abs(angle) > sealSpan/2 {
				t.Errorf("%s: character %q at %.1f° is not on the top arc", name, c.Text, angle)
			}
			if angle <= prevAngle {
				t.Errorf("%s: character %q at %.1f° is not clockwise after the one before (%.1f°)", name, c.Text, angle, prevAngle)
			}
			if i > 0 && 2*d*math.Sin((angle-prevAngle)*math.Pi/360) < c.Size {
				t.Errorf("%s: character %q touches the one before", name, c.Text)
			}
			prevAngle = angle
		}
		if got.String() != name {
			t.Errorf("the seal's ring reads %q, want %q", got.String(), name)
		}
		if n := len(chars); n > 0 {
			first, _, a0 := turned(t, chars[0])
			last, _, a1 := turned(t, chars[n-1])
			if first >= ring.CX || last <= ring.CX || math.Abs(a0+a1) > 0.01 {
				t.Errorf("%s: the name is not centred on the top (from %.1f° to %.1f°)", name, a0, a1)
			}
		}
		if purpose == nil || purpose.Text != SealPurpose {
			t.Fatalf("%s: no purpose line %q under the star", name, SealPurpose)
		}
		// The purpose line's corners lie inside the ring, below the star.
		for _, corner := range [][2]float64{{-1, -1}, {-1, 1}, {1, -1}, {1, 1}} {
			x, y := purpose.X+corner[0]*purpose.TextLength/2, purpose.Y+corner[1]*purpose.Size/2
			if math.Hypot(x-ring.CX, y-ring.CY) >= inside || purpose.Y-purpose.Size/2 <= ring.CY+sealStar*0.8 {
				t.Errorf("%s: the purpose line's corner (%.1f, %.1f) is outside the ring or on the star", name, x, y)
			}
		}
		points := strings.Fields(s.G.Star.Points)
		if len(points) != 10 {
			t.Fatalf("%s: the star has %d corners, want 10", name, len(points))
		}
		for k, p := range points {
			var x, y float64
			if _, err := fmt.Sscanf(p, "%g,%g", &x, &y); err != nil {
				t.Fatalf("%s: star corner %q: %v", name, p, err)
			}
			d := math.Hypot(x-ring.CX, y-ring.CY)
			if want := sealStar; k%2 == 0 && math.Abs(d-want) > 0.01 || k%2 == 1 && d >= want/2 {
				t.Errorf("%s: star corner %d at %.2f from the centre", name, k, d)
			}
		}
	}
}

// A longer name is set in smaller characters within the same arc.
func TestSealArcShrinksForLongNames(t *testing.T) {
	short, long := SealArc("昌吉市不动产登记中心"), SealArc("新疆维吾尔自治区昌吉回族自治州不动产登记中心")
	if len(short) != 10 || len(long) != 22 || long[0].Size >= short[0].Size {
		t.Fatalf("short %d at %.1f, long %d at %.1f", len(short), short[0].Size, len(long), long[0].Size)
	}
	if span := long[len(long)-1].Angle - long[0].Angle; span > sealSpan {
		t.Errorf("a long name spans %.1f°", span)
	}
	if SealArc("  ") != nil {
		t.Errorf("a blank name has characters")
	}
}
