package simulation

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/registry"
	"handover/internal/store"
)

// Options configure a simulation.
type Options struct {
	Scenario *Scenario
	Projects int    // about 40 for a prefecture's year
	Flats    int    // across all projects, about 10,000
	Seed     uint64 // the same seed plays the same year
	// Start is the first day of the simulated year; the projects' handovers
	// fall from about five months after it to the year's end (default
	// 2026-01-05).
	Start calendar.Date
	// Clock moves the database clock to a moment of the year; a zero time
	// returns it to real time. Required.
	Clock func(time.Time)
	// Progress receives a line now and then (nil: none).
	Progress io.Writer
	// Wall is the real clock, for the report's running time (nil: not
	// timed).
	Wall func() time.Time
	// Hash is how the simulated staff's passwords are hashed (the zero
	// value: the platform's default).
	Hash identity.HashParams
}

// Timing of a project's story, in working days.
const (
	storyLength   = 150 // from the project's start to its planned handover
	startsSpread  = 100 // projects start over this many working days
	salesDays     = 15  // sales run over the first working days
	surveyBefore  = 40  // the survey starts this long before the planned handover
	acceptBefore  = 23  // the joint acceptance is applied for this long before it
	noticeAfter   = 12  // a handover is at least this long after the filing (notice of 10 days and the deed tax)
	rerunsAfter   = 30  // a handover with blocked flats runs again for this long …
	rerunEvery    = 5   // … every this many working days
	sealAfterDays = 10  // seals fall up to this long after the planned handover
)

// world is a simulation's state: the database, its staff, the calendar's
// working days and the queue of what the actors do next.
type world struct {
	ctx   context.Context
	db    *store.DB
	opts  Options
	sc    *Scenario
	set   func(time.Time)
	f     *demo.Foundation
	cal   *calendar.Calendar
	keys  *certificate.Keyring
	days  []calendar.Date // the working days of the year, and after
	today int             // the index in days of the day being played
	staff map[string]staff
	// places are the counties and parks, with their registry and court.
	places   []identity.Jurisdiction
	projects []*project
	queue    actions
	seq      int
	outage   [2]int // the tax interface is down on days [from, to)
	buyers   []demo.Person
	warn     warnings
	reacted  map[int64]bool // alerts an actor acted on
	wall     func() time.Time
	started  time.Time
	nights   time.Duration // real time spent in the nights' work
	err      error         // an action planned beyond the calendar
	// once marks the reactions drawn: an actor told by an alert decides
	// once when to act, not again each night the alert stands.
	once map[string]bool
}

// staff are a jurisdiction's clerks the simulation acts as.
type staff struct {
	acceptor, reviewer, recorder, housing, tax, bank audit.Actor
}

// action is something an actor does at a moment of a working day.
type action struct {
	day, minute int // day: index into world.days
	seq         int
	p           *project
	what        string
	do          func() error
}

// actions is the queue, earliest first, in the order they were planned
// within one moment: a run is reproducible.
type actions []*action

func (a actions) Len() int { return len(a) }
func (a actions) Less(i, j int) bool {
	if a[i].day != a[j].day {
		return a[i].day < a[j].day
	}
	if a[i].minute != a[j].minute {
		return a[i].minute < a[j].minute
	}
	return a[i].seq < a[j].seq
}
func (a actions) Swap(i, j int) { a[i], a[j] = a[j], a[i] }
func (a *actions) Push(x any)   { *a = append(*a, x.(*action)) }
func (a *actions) Pop() any {
	old := *a
	x := old[len(old)-1]
	*a = old[:len(old)-1]
	return x
}

// plan queues an action of project p on working day `day`, minutes after
// 09:00.
func (w *world) plan(p *project, day, minute int, what string, do func() error) {
	if day >= len(w.days) {
		if w.err == nil {
			w.err = fmt.Errorf("%s：%s 落在日历之外（日历只到 %s）：情景的延误超出了模拟期", p.name, what, w.days[len(w.days)-1])
		}
		return
	}
	w.seq++
	heap.Push(&w.queue, &action{day: day, minute: minute, seq: w.seq, p: p, what: what, do: do})
}

// at moves the database clock to minutes after 09:00 on working day i.
func (w *world) at(i, minute int) {
	w.set(w.days[i].Start().Add(9*time.Hour + time.Duration(minute)*time.Minute))
}

// setup loads the prefecture's organisations and staff, gives each county
// and park its signing key and automatic review, and lists the working
// days from the start.
func (w *world) setup() error {
	start := w.opts.Start
	w.set(start.AddDays(-1).Start().Add(9 * time.Hour))
	var err error
	if w.f, err = demo.LoadFoundation(w.ctx, w.db, demo.Options{Hash: w.opts.Hash}); err != nil {
		return err
	}
	if w.cal, err = w.db.Calendar(w.ctx); err != nil {
		return err
	}
	js, err := w.db.Jurisdictions(w.ctx)
	if err != nil {
		return err
	}
	admin := audit.Actor{UserID: w.f.Users["admin"].ID, Name: w.f.Users["admin"].Name}
	w.staff = map[string]staff{}
	region := ""
	for _, j := range js {
		if j.Kind == identity.Prefecture {
			continue
		}
		if region == "" {
			region = j.Region
		} else if j.Region != region {
			return fmt.Errorf("simulation: the counties keep different calendars (%s, %s)", region, j.Region)
		}
		w.places = append(w.places, j)
		if _, err := w.db.CreateAuthorityKey(w.ctx, admin, j.Code, []byte(demo.KeyPassphrase)); err != nil {
			return err
		}
		if err := w.db.PutSetting(w.ctx, admin, j.Code, registry.SettingAutoReview, "first,transfer,mortgage"); err != nil {
			return err
		}
		if w.staff[j.Code], err = w.hire(j); err != nil {
			return err
		}
	}
	if w.keys, err = w.db.UnlockKeys(w.ctx, []byte(demo.KeyPassphrase)); err != nil {
		return err
	}
	// The working days from the start to the end of the calendar loaded
	// (at most three years): the year, its late handovers, their reruns.
	for d := start; len(w.days) < 3*250; d = d.AddDays(1) {
		info, _, err := w.cal.Day(d, region)
		if err != nil {
			break // the calendar ends here
		}
		if info.Workday {
			w.days = append(w.days, d)
		}
	}
	if need := startsSpread + storyLength + noticeAfter + rerunsAfter; len(w.days) < need {
		return fmt.Errorf("simulation: the calendar holds %d working days from %s, a year needs %d: load the next year's holiday notice or start earlier", len(w.days), start, need)
	}
	return nil
}

// hire creates the clerks of a county or park the simulation acts as: the
// registration centre's acceptor, reviewer and recorder (three people, as
// the separation of duties requires), a housing clerk, a tax clerk and a
// bank clerk.
func (w *world) hire(j identity.Jurisdiction) (staff, error) {
	one := func(key, username, name string, role identity.Role) (audit.Actor, error) {
		org := w.f.Orgs[j.Code+"/"+key]
		u, err := w.db.CreateUser(w.ctx, audit.System(), store.NewUser{User: identity.User{Username: "sim-" + j.Code + "-" + username, Name: name,
			OrgID: org.ID, Roles: []identity.Role{role}}, Password: demo.Password + "-sim", Hash: w.opts.Hash})
		if err != nil {
			return audit.Actor{}, fmt.Errorf("simulation staff of %s: %w", j.Code, err)
		}
		return audit.Actor{UserID: u.ID, Name: u.Name, OrgID: org.ID}, nil
	}
	var s staff
	var err error
	for _, c := range []struct {
		to             *audit.Actor
		key, user, who string
		role           identity.Role
	}{
		{&s.acceptor, "registry", "acceptor", "受理员", identity.RoleAcceptor},
		{&s.reviewer, "registry", "reviewer", "审核员", identity.RoleReviewer},
		{&s.recorder, "registry", "recorder", "登簿员", identity.RoleRecorder},
		{&s.housing, "housing", "housing", "住建科员", identity.RoleHousing},
		{&s.tax, "tax", "tax", "契税科员", identity.RoleTax},
		{&s.bank, "bank", "bank", "监管账户柜员", identity.RoleBank},
	} {
		if *c.to, err = one(c.key, c.user, c.who, c.role); err != nil {
			return s, err
		}
	}
	return s, nil
}

// draw is true with probability p, from r.
func draw(r *rand.Rand, p float64) bool { return p > 0 && r.Float64() < p }

// refused wraps an actor's failed step with what it was, for the run's
// error: a step the rules refuse stops the simulation, since every step
// of the story is one the rules should allow.
func refused(p *project, what string, err error) error {
	if e := problem.As(err); e != nil {
		msg := e.Message
		for _, r := range e.Reasons {
			msg += "；" + r.Message
		}
		return fmt.Errorf("%s：%s：%s（%s）", p.name, what, msg, e.Code)
	}
	return fmt.Errorf("%s：%s：%w", p.name, what, err)
}
