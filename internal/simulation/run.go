package simulation

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/demo"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/store"
	"handover/internal/supervision"
)

// Run plays the year on db, which must be empty (a fresh database), and
// reports it. The database keeps the whole year: it can be served and
// looked at afterwards.
func Run(ctx context.Context, db *store.DB, opts Options) (*Report, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	w := &world{ctx: ctx, db: db, opts: opts, sc: opts.Scenario, set: opts.Clock, reacted: map[int64]bool{}, wall: opts.Wall,
		warn: warnings{listed: map[unitOwner]*nights{}, warned: map[unitOwner]*nights{}}, once: map[string]bool{}}
	if w.wall == nil {
		w.wall = func() time.Time { return time.Time{} }
	}
	w.started = w.wall()
	defer w.set(time.Time{})
	if err := w.setup(); err != nil {
		return nil, err
	}
	w.buyers = demo.People(opts.Flats)
	// The tax interface's week down falls in the second half of the
	// year, when most handovers are near.
	from := startsSpread + storyLength/2 + int(opts.Seed%60)
	w.outage = [2]int{from, from + w.sc.Outage.Days}
	for k := range opts.Projects {
		p := w.newProject(k, opts.Projects)
		w.projects = append(w.projects, p)
		w.plan(p, p.begin, 0, "立项", func() error { return w.start(p) })
	}
	if err := w.play(); err != nil {
		return nil, err
	}
	return w.report()
}

// check refuses options a year cannot be played with.
func (o *Options) check() error {
	var f problem.Fields
	if o.Scenario == nil {
		f.Add("scenario", "请选择情景")
	}
	if o.Projects < 1 || o.Projects > 400 {
		f.Add("projects", "项目数应在1至400之间")
	}
	if o.Flats < o.Projects*8 || o.Flats > 200000 {
		f.Add("flats", "户数应不少于每个项目8户，且不超过200000")
	}
	if o.Clock == nil {
		f.Add("clock", "缺少数据库时钟")
	}
	if o.Start.IsZero() {
		o.Start = calendar.MustDate("2026-01-05")
	}
	return f.Err("simulation.options", "模拟参数有误")
}

// play runs the year day by day: each working day the night's rehearsals
// and alert evaluation as the server's worker runs them, the actors'
// reactions to what the alerts told them, then the day's actions in
// order.
func (w *world) play() error {
	for i := range w.days {
		if w.queue.Len() == 0 {
			return nil
		}
		if err := w.ctx.Err(); err != nil {
			return err
		}
		w.today = i
		began := w.wall()
		if err := w.night(i); err != nil {
			return fmt.Errorf("%s 夜间预演与预警：%w", w.days[i], err)
		}
		w.nights += w.wall().Sub(began)
		minute := -60
		for w.queue.Len() > 0 && w.queue[0].day <= i {
			a := heap.Pop(&w.queue).(*action)
			minute = max(minute, a.minute)
			w.at(i, minute)
			if err := a.do(); err != nil {
				return fmt.Errorf("%s %s", w.days[i], err)
			}
			if w.err != nil {
				return w.err
			}
		}
		if w.opts.Progress != nil && i%20 == 0 {
			w.progress(i)
		}
	}
	return fmt.Errorf("simulation: the year ran out of working days with %d actions left", w.queue.Len())
}

// progress prints where the year is.
func (w *world) progress(i int) {
	started, ran := 0, 0
	for _, p := range w.projects {
		if p.p.ID != 0 {
			started++
		}
		if p.ran {
			ran++
		}
	}
	fmt.Fprintf(w.opts.Progress, "  %s：已开工 %d 个项目，已交房 %d 个（用时 %s，其中夜间预演与预警 %s）\n", w.days[i], started, ran,
		w.wall().Sub(w.started).Round(time.Second), w.nights.Round(time.Second))
}

// night is the worker's nightly work at 01:00 before working day i: the
// due rehearsals (交房预演), then the alert rules and the credit rule; then
// what the alerts told each party, and their reactions.
func (w *world) night(i int) error {
	w.set(w.days[i].Start().Add(time.Hour))
	if _, err := w.db.RehearseDue(w.ctx, w.cal, w.keys); err != nil {
		return err
	}
	if _, err := w.db.EvaluateAlerts(w.ctx, w.cal); err != nil {
		return err
	}
	if _, err := w.db.EvaluateCredit(w.ctx, w.cal); err != nil {
		return err
	}
	for _, p := range w.projects {
		if p.held < 0 || p.ran {
			continue
		}
		if err := w.observe(p, i); err != nil {
			return err
		}
	}
	return w.reactToOverdue(i)
}

// unitOwner is a flat and one party its handover waits on.
type unitOwner struct {
	unit int64
	kind identity.OrgKind
	name string
}

// warnings is what the nights saw: the run of nights (ending on the
// latest) a rehearsal listed a flat as waiting on a party, and the run of
// nights an open alert told that party about it.
type warnings struct {
	listed map[unitOwner]*nights
	warned map[unitOwner]*nights
}

// nights is a run of consecutive nights, by working-day index.
type nights struct{ from, last int }

// see records night i in the run of k: it continues the run that ended
// the night before, or starts a new one.
func see(m map[unitOwner]*nights, k unitOwner, i int) {
	if n := m[k]; n != nil && n.last >= i-1 {
		n.last = i
		return
	}
	m[k] = &nights{from: i, last: i}
}

// since is the first night of the run of k that lasted to night i (-1
// when k was not seen that night).
func since(m map[unitOwner]*nights, k unitOwner, i int) int {
	if n := m[k]; n != nil && n.last == i {
		return n.from
	}
	return -1
}

// observe reads tonight's rehearsal of a project's handover and the
// rehearsal alerts standing for it; each party told acts on its flats.
func (w *world) observe(p *project, i int) error {
	r, ok, err := w.db.LatestRehearsal(w.ctx, p.event.ID, time.Time{})
	if err != nil || !ok || r.RunAt.Before(w.days[i].Start()) {
		return err
	}
	open, err := w.db.Alerts(w.ctx, store.AlertQuery{Filter: access.Filter{All: true}, State: "open", Kind: supervision.RehearsalBlocked,
		ProjectID: p.p.ID, Limit: 1000})
	if err != nil {
		return err
	}
	told := map[[2]string]int64{}
	for _, a := range open {
		// An alert addressed to no organisation tells no one.
		if ev, kind, owner, ok := supervision.RehearsalOf(a.Subject); ok && ev == p.event.ID && a.OrgID != 0 {
			told[[2]string{kind, owner}] = a.ID
		}
	}
	for _, o := range r.Owners() {
		alert := told[[2]string{string(o.Party.Kind), o.Party.Name}]
		for _, u := range o.Units {
			k := unitOwner{unit: u.UnitID, kind: o.Party.Kind, name: o.Party.Name}
			see(w.warn.listed, k, i)
			if alert == 0 {
				continue
			}
			see(w.warn.warned, k, i)
			if w.react(p, o.Party.Kind, u, alert, i) {
				w.reacted[alert] = true
			}
		}
	}
	return nil
}

// react is what a party told by the rehearsal's alert does about a flat,
// as the scenario has it: the tax bureau reaches a buyer who has not paid,
// the developer pays the maintenance fund it forgot. Each decides once,
// the first night it is told. It reports whether the party acted.
func (w *world) react(p *project, kind identity.OrgKind, u store.RehearsalUnit, alert int64, i int) bool {
	switch kind {
	case identity.Tax:
		sl := p.byUnit[u.UnitID]
		after := w.sc.DeedTax.AfterAlert
		if sl == nil || sl.paid || after[1] == 0 || sl.payDay < 0 || !w.first(fmt.Sprintf("tax:%d:%d", alert, u.UnitID)) {
			return false
		}
		if day := i + after.draw(p.r); day < sl.payDay {
			sl.payDay = day
			w.planPayment(p, sl)
		}
		return true
	case identity.Developer:
		after := w.sc.Maintenance.AfterAlert
		if !p.forgets(u.UnitID) || p.forgotPaid || after[1] == 0 || !w.first(fmt.Sprintf("fund:%d", p.p.ID)) {
			return false
		}
		w.plan(p, i+after.draw(p.r), 90, "补交维修资金", func() error { return w.payForgotten(p) })
		return true
	}
	return false
}

// first reports whether key is seen for the first time.
func (w *world) first(key string) bool {
	if w.once[key] {
		return false
	}
	w.once[key] = true
	return true
}

// reactToOverdue: a department told its acceptance opinion is overdue
// answers within the scenario's days.
func (w *world) reactToOverdue(today int) error {
	open, err := w.db.Alerts(w.ctx, store.AlertQuery{Filter: access.Filter{All: true}, State: "open", Kind: supervision.AcceptanceOverdue, Limit: 5000})
	if err != nil {
		return err
	}
	byProject := map[int64]*project{}
	for _, p := range w.projects {
		byProject[p.p.ID] = p
	}
	for _, a := range open {
		p := byProject[a.ProjectID]
		id, err := strconv.ParseInt(strings.TrimPrefix(a.Subject, "acceptance_task:"), 10, 64)
		if p == nil || err != nil || !w.first(a.Subject) {
			continue
		}
		ans := p.answers[id]
		i := slices.IndexFunc(p.acceptance.Tasks, func(t completion.Task) bool { return t.ID == id })
		if ans == nil || ans.done || i < 0 {
			continue
		}
		t := p.acceptance.Tasks[i]
		after := w.sc.Department(t.Department).AfterAlert
		if after[1] == 0 {
			continue
		}
		w.reacted[a.ID] = true
		if day := today + after.draw(p.r); day < ans.day {
			ans.day = day
			w.planAnswer(p, t, ans)
		}
	}
	return nil
}
