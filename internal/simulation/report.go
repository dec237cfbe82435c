package simulation

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/store"
	"handover/internal/supervision"
)

// WarnDays is how many working days ahead of its handover a flat that
// will miss its certificate must be named, to its blocker's owner.
const WarnDays = 5

// Report is what a simulated year shows: the measure of the reform, every
// miss with its blocker, and how well the alerts warned of them.
type Report struct {
	Scenario    string `json:"scenario"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Seed        uint64 `json:"seed"`
	From        string `json:"from"` // the first and the last day played
	To          string `json:"to"`
	Projects    int    `json:"projects"`
	Flats       int    `json:"flats"` // sold, and so handed over

	HandedOver int     `json:"handed_over"`
	SameDay    int     `json:"same_day"` // certified no later than the keys
	Share      float64 `json:"same_day_share"`
	// Working days from the completion filing to the certificate, of the
	// certified flats.
	Median    int `json:"filing_to_certificate_median"`
	P90       int `json:"filing_to_certificate_p90"`
	Certified int `json:"certified"`
	// Spread is how many certified flats took how long, in bands of
	// working days (for the chart).
	Spread    []Band `json:"filing_to_certificate_spread"`
	Postponed int    `json:"postponed_handovers"` // handovers later than planned (the filing came too late)

	Counties []Group `json:"counties"`
	Projs    []Group `json:"per_project"`
	Misses   []Miss  `json:"misses"`
	// ByOwner counts the misses by each party they waited on.
	ByOwner []Band `json:"misses_by_owner"`
	// The misses by how they were warned of (MissWarned, MissLate,
	// MissUnwarned, MissUnforeseen).
	ByWarning map[string]int `json:"misses_by_warning"`
	Alerts    []AlertTally   `json:"alerts"`
	Targets   []Target       `json:"targets"`
	// Seconds is the run's real time, not part of the reproducible figures.
	Seconds float64 `json:"seconds,omitempty"`
}

// Band is a labelled count.
type Band struct {
	Label string `json:"label"`
	N     int    `json:"n"`
}

// Group is the measure for a county or a project.
type Group struct {
	Name       string  `json:"name"`
	HandedOver int     `json:"handed_over"`
	SameDay    int     `json:"same_day"`
	Share      float64 `json:"share"`
	HeldOn     string  `json:"held_on,omitempty"`
	PlannedOn  string  `json:"planned_on,omitempty"`
}

// How a miss was warned of.
const (
	MissWarned     = "warned"     // every party it waited on was told ≥ WarnDays ahead
	MissLate       = "arose_late" // a blocker arose under WarnDays before the day: no warning could be that early
	MissUnwarned   = "unwarned"   // a blocker stood ≥ WarnDays ahead and its owner was not told in time
	MissUnforeseen = "unforeseen" // the last rehearsal did not name the flat at all
)

// Miss is a flat handed over without its certificate on the day.
type Miss struct {
	Project  string    `json:"project"`
	County   string    `json:"county"`
	Room     string    `json:"room"`
	HeldOn   string    `json:"held_on"`
	Reasons  []string  `json:"reasons"`
	Owners   []Blocker `json:"owners"`
	Warning  string    `json:"warning"`
	Lead     int       `json:"lead"` // working days ahead its last-told owner was told (-1: an owner never was)
	Later    string    `json:"certified_on,omitempty"`
	Sealed   bool      `json:"sealed,omitempty"`
	LateTax  bool      `json:"late_tax,omitempty"`
	LateMain bool      `json:"forgotten_maintenance,omitempty"`
}

// Blocker is one party a missed flat waited on, with when the rehearsal
// first named it so and when an alert first told the party.
type Blocker struct {
	Owner  string `json:"owner"`
	Kind   string `json:"kind"`
	Listed int    `json:"listed_days_ahead"` // working days before the handover (-1: never)
	Warned int    `json:"warned_days_ahead"` // (-1: never)
}

// AlertTally is the alerts of one kind raised in the year, and those that
// never mattered: they named no flat that missed and led no one to act.
type AlertTally struct {
	Kind   string `json:"kind"`
	Label  string `json:"label"`
	Raised int    `json:"raised"`
	Noise  int    `json:"noise"`
}

// Target is a figure the report states against its scenario's promise.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

// report reads the year back from the register and the alerts.
func (w *world) report() (*Report, error) {
	r := &Report{Scenario: w.sc.Name, Title: w.sc.Title, Description: w.sc.Description, Seed: w.opts.Seed, Projects: len(w.projects),
		From: w.days[0].String(), To: w.days[w.today].String(), ByWarning: map[string]int{MissWarned: 0, MissLate: 0, MissUnwarned: 0, MissUnforeseen: 0}}
	counties := map[string]*Group{}
	var spans []int
	missedOwners := map[int64]map[[2]string]bool{} // event → parties a flat missed on
	missedProject := map[int64]bool{}
	for _, p := range w.projects {
		if !p.ran {
			return nil, fmt.Errorf("simulation: %s never held its handover in the year played", p.name)
		}
		final, err := w.db.HandoverUnits(w.ctx, p.event.ID)
		if err != nil {
			return nil, err
		}
		later := map[int64]handover.UnitOutcome{}
		for _, u := range final {
			later[u.UnitID] = u
		}
		g := Group{Name: p.name, HeldOn: w.days[p.held].String(), PlannedOn: w.days[p.planned].String()}
		if p.held > p.planned {
			r.Postponed++
		}
		c := counties[p.place.Code]
		if c == nil {
			c = &Group{Name: p.place.Name}
			counties[p.place.Code] = c
		}
		for _, u := range p.outcome {
			g.HandedOver++
			c.HandedOver++
			if f := later[u.UnitID]; !f.CertifiedOn.IsZero() {
				n, _, err := w.cal.WorkdaysBetween(w.days[p.filed], f.CertifiedOn, p.place.Region)
				if err != nil {
					return nil, err
				}
				spans = append(spans, n)
			}
			if u.State == handover.HandedOver && u.SameDay() {
				g.SameDay++
				c.SameDay++
				continue
			}
			m := w.miss(p, u, later[u.UnitID])
			r.ByWarning[m.Warning]++
			r.Misses = append(r.Misses, m)
			missedProject[p.p.ID] = true
			if missedOwners[p.event.ID] == nil {
				missedOwners[p.event.ID] = map[[2]string]bool{}
			}
			for _, o := range m.Owners {
				missedOwners[p.event.ID][[2]string{o.Kind, o.Owner}] = true
			}
		}
		r.Flats += len(p.sales)
		r.HandedOver += g.HandedOver
		r.SameDay += g.SameDay
		g.Share = share(g.SameDay, g.HandedOver)
		r.Projs = append(r.Projs, g)
	}
	for _, c := range counties {
		c.Share = share(c.SameDay, c.HandedOver)
		r.Counties = append(r.Counties, *c)
	}
	slices.SortFunc(r.Counties, func(a, b Group) int { return cmp.Compare(a.Name, b.Name) })
	r.Share = share(r.SameDay, r.HandedOver)
	slices.Sort(spans)
	r.Certified = len(spans)
	r.Spread = spread(spans)
	owners := map[string]int{}
	for _, m := range r.Misses {
		for _, o := range m.Owners {
			owners[o.Owner]++
		}
		if len(m.Owners) == 0 {
			owners["（预演未列出）"]++
		}
	}
	for o, n := range owners {
		r.ByOwner = append(r.ByOwner, Band{Label: o, N: n})
	}
	slices.SortFunc(r.ByOwner, func(a, b Band) int { return cmp.Or(b.N-a.N, cmp.Compare(a.Label, b.Label)) })
	if len(spans) > 0 {
		r.Median, r.P90 = spans[(len(spans)-1)/2], spans[(len(spans)*9+9)/10-1]
	}
	var err error
	if r.Alerts, err = w.alertTallies(missedOwners, missedProject); err != nil {
		return nil, err
	}
	r.Targets = w.targets(r)
	if !w.started.IsZero() {
		r.Seconds = w.wall().Sub(w.started).Round(100 * time.Millisecond).Seconds()
	}
	return r, nil
}

// miss describes a flat blocked on its handover day: the batch's reasons,
// each party the last rehearsal named for it, when its blocker arose, and
// since when, without a break, the rehearsal listed it and an alert told
// the party.
func (w *world) miss(p *project, u, final handover.UnitOutcome) Miss {
	m := Miss{Project: p.name, County: p.place.Name, Room: u.Room, HeldOn: w.days[p.held].String(), Reasons: u.Reasons, Lead: -1}
	if u.State == handover.Pending {
		m.Reasons = append(m.Reasons, "批量办理未处理该户")
	}
	if !final.CertifiedOn.IsZero() {
		m.Later = final.CertifiedOn.String()
	}
	sl := p.byUnit[u.UnitID]
	if sl != nil {
		m.Sealed = sl.sealOn >= 0 && sl.sealOn < p.held
		m.LateTax = sl.late
	}
	m.LateMain = p.forgotUnits[u.UnitID]
	parties := p.foreseen[u.UnitID]
	if len(parties) == 0 {
		m.Warning = MissUnforeseen
		return m
	}
	m.Warning, m.Lead = MissWarned, 1<<30
	for _, o := range parties {
		k := unitOwner{unit: u.UnitID, kind: o.Kind, name: o.Name}
		b := Blocker{Owner: o.Name, Kind: string(o.Kind), Listed: -1, Warned: -1}
		if d := since(w.warn.listed, k, p.held); d >= 0 {
			b.Listed = p.held - d
		}
		if d := since(w.warn.warned, k, p.held); d >= 0 {
			b.Warned = p.held - d
		}
		m.Owners = append(m.Owners, b)
		switch arose := w.arose(p, sl, o, b); {
		case arose < WarnDays:
			if m.Warning == MissWarned {
				m.Warning = MissLate
			}
		case b.Warned < WarnDays:
			m.Warning = MissUnwarned
		}
		if b.Warned < 0 {
			m.Lead = -1
		} else if m.Lead >= 0 {
			m.Lead = min(m.Lead, b.Warned)
		}
	}
	return m
}

// arose is how many working days before the handover a party's blocker
// of a flat arose, as the simulation knows it: the court's seal, the deed
// tax's assessment, the accounting that left the maintenance fund unpaid;
// for any other, since the rehearsal listed it without a break (the
// platform's own view, the only one there is).
func (w *world) arose(p *project, sl *sale, o handover.Party, b Blocker) int {
	day := -1
	switch {
	case sl != nil && sl.sealOn >= 0 && o.Kind == "" && strings.Contains(o.Name, "查封"):
		day = sl.sealOn
	case o.Kind == identity.Tax && p.assessed >= 0:
		day = p.assessed
	case o.Kind == identity.Developer && sl != nil && p.forgotUnits[sl.unit] && p.accounted >= 0:
		day = p.accounted
	}
	if day < 0 {
		return b.Listed
	}
	return p.held - day
}

// alertTallies counts the year's alerts by kind, and the noise among them:
// an alert mattered when it named a party a flat missed on (the rehearsal's
// alerts) or a project that missed, or when someone acted on it.
func (w *world) alertTallies(missed map[int64]map[[2]string]bool, missedProject map[int64]bool) ([]AlertTally, error) {
	all, err := w.db.Alerts(w.ctx, store.AlertQuery{Filter: access.Filter{All: true}, Limit: 1000000})
	if err != nil {
		return nil, err
	}
	by := map[supervision.AlertKind]*AlertTally{}
	for _, a := range all {
		t := by[a.Kind]
		if t == nil {
			t = &AlertTally{Kind: string(a.Kind), Label: a.Kind.Label()}
			by[a.Kind] = t
		}
		t.Raised++
		mattered := w.reacted[a.ID]
		if ev, kind, owner, ok := supervision.RehearsalOf(a.Subject); ok {
			mattered = mattered || missed[ev][[2]string{kind, owner}]
		} else {
			mattered = mattered || missedProject[a.ProjectID]
		}
		if !mattered {
			t.Noise++
		}
	}
	var out []AlertTally
	for _, k := range supervision.AlertKinds {
		if t := by[k]; t != nil {
			out = append(out, *t)
		}
	}
	return out, nil
}

// targets states the scenario's promise against the figures: every
// department on time gives every flat its certificate on the day; with
// delays, every miss whose blocker stood WarnDays ahead was told to its
// owner that early.
func (w *world) targets(r *Report) []Target {
	out := []Target{{Name: "每一户未能当日发证的，其受阻原因在交房日5个工作日前即已存在的，均已在5个工作日前预警到应当处理的一方",
		Want: "0 户未及时预警", Got: itoa(r.ByWarning[MissUnwarned]+r.ByWarning[MissUnforeseen]) + " 户未及时预警",
		Met: r.ByWarning[MissUnwarned]+r.ByWarning[MissUnforeseen] == 0}}
	if w.sc.Name == "on-time" {
		out = append([]Target{{Name: "各方均按时办理时，交房当日发证率", Want: "100%", Got: percent(r.Share), Met: r.HandedOver > 0 && r.SameDay == r.HandedOver}}, out...)
	}
	return out
}

// spread counts sorted working-day spans in bands: within the reform's 20
// working days in fives, then beyond.
func spread(spans []int) []Band {
	bands := []struct {
		label string
		upTo  int
	}{{"0–5", 5}, {"6–10", 10}, {"11–15", 15}, {"16–20", 20}, {"21–30", 30}, {"31–60", 60}, {"60以上", 1 << 30}}
	out := make([]Band, len(bands))
	i := 0
	for k, b := range bands {
		out[k].Label = b.label + "个工作日"
		for ; i < len(spans) && spans[i] <= b.upTo; i++ {
			out[k].N++
		}
	}
	return out
}

// share is part of whole, 0 for an empty whole.
func share(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// Failed lists the targets the report missed.
func (r *Report) Failed() []string {
	var out []string
	for _, t := range r.Targets {
		if !t.Met {
			out = append(out, t.Name+"：要求 "+t.Want+"，实为 "+t.Got)
		}
	}
	return out
}

// Headline is the report in one line.
func (r *Report) Headline() string {
	var b strings.Builder
	b.WriteString("情景 " + r.Scenario + "：" + itoa(r.Projects) + " 个项目交房 " + itoa(r.HandedOver) + " 户，当日发证 " + itoa(r.SameDay) + " 户（" + percent(r.Share) + "）；")
	b.WriteString("竣工验收备案至发证 中位 " + itoa(r.Median) + " 个工作日、90% " + itoa(r.P90) + " 个工作日；")
	b.WriteString("未当日发证 " + itoa(len(r.Misses)) + " 户，其中提前5个工作日预警 " + itoa(r.ByWarning[MissWarned]) + " 户、原因产生不足5个工作日 " + itoa(r.ByWarning[MissLate]) +
		" 户、未及时预警 " + itoa(r.ByWarning[MissUnwarned]+r.ByWarning[MissUnforeseen]) + " 户")
	return b.String()
}
