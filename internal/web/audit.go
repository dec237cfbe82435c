package web

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/completion"
	"handover/internal/credit"
	"handover/internal/handover"
	"handover/internal/identity"
	"handover/internal/ledger"
	"handover/internal/presale"
	"handover/internal/registry"
	"handover/internal/store"
	"handover/internal/supervision"
)

// ---- audit trail

// AuditPage browses the audit trail.
type AuditPage struct {
	Base
	Events      []AuditRow
	Pager       Pager
	Query       AuditFilter
	Kinds       []audit.RecordKind // the record kinds the filter offers
	ActionNames []string           // the actions' names, offered as the search is typed
	Matched     []string           // the actions the search text named, by name
	NoMatch     bool               // the search text names no action
	ShowRaw     bool               // administrators may open each event's summary as recorded
	NextPage    string             // past the counted pages: the events before the last one shown
	Before      int64              // the list starts before this event (0: at the newest)
	NewestPage  string             // the same list from the newest event
	Verified    *AuditVerification
}

// AuditRow is one event as people read it: what was done, to which record,
// and its summary as a short list.
type AuditRow struct {
	audit.Event
	Label   string        // the action's Chinese name
	Record  string        // 用户 张建国（#1）
	Details []AuditDetail // the summary, key by key
}

// AuditDetail is one line of an event's summary.
type AuditDetail struct{ Label, Value string }

// AuditFilter holds the filter form's values.
type AuditFilter struct {
	Action, RecordType, RecordID, Actor, From, To string
}

// AuditVerification is the outcome of checking the chain.
type AuditVerification struct {
	Count  int
	Intact bool
	Break  audit.Break
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	f, err := access.ListFilter(p, access.AuditRead)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	form := AuditFilter{Action: strings.TrimSpace(q.Get("action")), RecordType: q.Get("record_type"), RecordID: q.Get("record_id"),
		Actor: q.Get("actor"), From: q.Get("from"), To: q.Get("to")}
	aq := store.AuditQuery{RecordType: form.RecordType, RecordID: form.RecordID, Page: listPage(r)}
	page := AuditPage{Base: s.base(r, "审计日志"), Query: form, Kinds: audit.RecordKinds(), ActionNames: actionNames(), ShowRaw: p.Has(identity.RoleAdmin)}
	// The search names actions in Chinese (登录); a code (auth.login) or a
	// prefix of codes (user.) still works, and a code is shown by its name.
	codes, code := audit.MatchActions(form.Action)
	switch {
	case code != "":
		aq.Action = code
		if audit.Labelled(code) {
			page.Query.Action = audit.ActionLabel(code)
			page.Matched = []string{page.Query.Action}
		}
	case len(codes) > 0:
		aq.Actions = codes
		for _, c := range codes {
			page.Matched = append(page.Matched, audit.ActionLabel(c))
		}
	case form.Action != "":
		page.NoMatch = true
		return s.render(w, 200, "audit", page)
	}
	aq.ActorUser, _ = strconv.ParseInt(form.Actor, 10, 64)
	aq.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	if d, err := calendar.ParseDate(form.From); err == nil {
		aq.From = d.Start()
	}
	if d, err := calendar.ParseDate(form.To); err == nil {
		aq.To = d.AddDays(1).Start()
	}
	l, err := s.db.AuditList(r.Context(), f, aq)
	if err != nil {
		return err
	}
	if page.Events, err = s.auditRows(r, l.Rows); err != nil {
		return err
	}
	page.Pager = pagerOf(r, l)
	// The pages end where the count stops (store.AuditCountCap): from the
	// last of them the list goes on before its last event.
	at := func(before int64) string {
		v := url.Values{}
		for k, x := range q {
			v[k] = x
		}
		v.Del("page")
		v.Del("before")
		if before > 0 {
			v.Set("before", strconv.FormatInt(before, 10))
		}
		return (&url.URL{Path: "/audit", RawQuery: v.Encode()}).String()
	}
	if l.More && l.Page.Number == l.Pages() && len(l.Rows) > 0 {
		page.NextPage = at(l.Rows[len(l.Rows)-1].ID)
	}
	if page.Before = aq.BeforeID; page.Before > 0 {
		page.NewestPage = at(0)
	}
	return s.render(w, 200, "audit", page)
}

// actionNames are the actions' Chinese names, each once, in code order.
func actionNames() []string {
	var out []string
	for _, a := range audit.Actions() {
		if l := audit.ActionLabel(a); !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// auditRows names the events' actions and records and lists their
// summaries, naming the records a summary refers to by id (its unit,
// project, developer, …) as the events' own.
func (s *Server) auditRows(r *http.Request, events []audit.Event) ([]AuditRow, error) {
	summaries := make([]map[string]any, len(events))
	var refs []store.RecordRef
	for i, e := range events {
		refs = append(refs, store.RecordRef{Kind: e.RecordType, ID: e.RecordID})
		summaries[i] = parseSummary(e.Summary)
		refs = append(refs, summaryRefs(summaries[i])...)
	}
	names, err := s.db.RecordNames(r.Context(), refs)
	if err != nil {
		return nil, err
	}
	jnames, _, err := s.jurisdictionNames(r)
	if err != nil {
		return nil, err
	}
	rows := make([]AuditRow, len(events))
	for i, e := range events {
		v := auditValues{action: e.Action, jnames: jnames, names: names}
		rows[i] = AuditRow{Event: e, Label: audit.ActionLabel(e.Action),
			Record:  audit.RecordName(e.RecordType, e.RecordID, names[store.RecordRef{Kind: e.RecordType, ID: e.RecordID}]),
			Details: v.details(summaries[i])}
	}
	return rows, nil
}

// parseSummary reads a summary (a JSON object); nil when it is none.
func parseSummary(summary string) map[string]any {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(summary))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil
	}
	return m
}

// refKeys are the summary keys that hold a record's id, with its kind.
var refKeys = map[string]string{"unit": "unit", "project": "project", "building": "building", "buildings": "building",
	"developer": "developer", "contract": "contract", "user": "user", "org": "organisation", "ends": "register_entry"}

// summaryRefs are the records a summary names by id, at any depth.
func summaryRefs(m map[string]any) []store.RecordRef {
	var out []store.RecordRef
	for k, x := range m {
		switch x := x.(type) {
		case map[string]any:
			out = append(out, summaryRefs(x)...)
		case json.Number:
			if kind := refKeys[k]; kind != "" {
				out = append(out, store.RecordRef{Kind: kind, ID: x.String()})
			}
		case []any:
			for _, e := range x {
				if n, ok := e.(json.Number); ok && refKeys[k] != "" {
					out = append(out, store.RecordRef{Kind: refKeys[k], ID: n.String()})
				}
			}
		}
	}
	return out
}

// details lists a summary key by key in Chinese: a change (before and
// after) as the fields that changed, 原为 → 改为; lists joined with 、; a
// summary that is no object lists nothing (the raw text is there for
// administrators).
func (v auditValues) details(m map[string]any) []AuditDetail {
	if len(m) == 0 {
		return nil
	}
	m = maps.Clone(m)
	var out []AuditDetail
	before, b := m["before"].(map[string]any)
	after, a := m["after"].(map[string]any)
	switch {
	case a && b:
		for _, k := range sortedKeys(after, before) {
			was, now := v.text(k, before[k]), v.text(k, after[k])
			if was != now {
				out = append(out, AuditDetail{audit.FieldLabel(k), orBlank(was) + " → " + orBlank(now)})
			}
		}
		delete(m, "before")
		delete(m, "after")
	case !a && !b && m["after"] != nil:
		// A value changed as a whole (a setting, a contract's state).
		out = append(out, AuditDetail{"变更", orBlank(v.text("state", m["before"])) + " → " + orBlank(v.text("state", m["after"]))})
		delete(m, "before")
		delete(m, "after")
	}
	for _, k := range sortedKeys(m) {
		if t := v.text(k, m[k]); t != "" {
			out = append(out, AuditDetail{audit.FieldLabel(k), t})
		}
	}
	return out
}

func orBlank(s string) string {
	if s == "" {
		return "（空）"
	}
	return s
}

func sortedKeys(ms ...map[string]any) []string {
	var keys []string
	seen := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// auditValues shows a summary's values: a code by its Chinese name where
// its domain names it (a contract's state, a role, a node, a jurisdiction).
type auditValues struct {
	action string
	jnames map[string]string
	names  map[store.RecordRef]string // records named by id (store.RecordNames)
}

func (v auditValues) text(key string, x any) string {
	switch x := x.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "是"
		}
		return "否"
	case json.Number:
		if key == "reg_type" {
			if n, err := x.Int64(); err == nil {
				return registry.RegTypeLabel(int(n))
			}
		}
		if kind := refKeys[key]; kind != "" {
			if n := v.names[store.RecordRef{Kind: kind, ID: x.String()}]; n != "" {
				return n
			}
			if x.String() == "0" {
				return ""
			}
			return "#" + x.String()
		}
		return x.String()
	case string:
		return v.name(key, x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if t := v.text(key, e); t != "" {
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, "、")
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(x) {
			if t := v.text(k, x[k]); t != "" {
				parts = append(parts, audit.FieldLabel(k)+"："+t)
			}
		}
		return strings.Join(parts, "；")
	}
	b, _ := json.Marshal(x)
	return string(bytes.TrimSpace(b))
}

// name shows one string value of key.
func (v auditValues) name(key, s string) string {
	domain, _, _ := strings.Cut(v.action, ".")
	switch key {
	case "jurisdiction":
		if n := v.jnames[s]; n != "" {
			return n
		}
	case "roles":
		return identity.Role(s).Label()
	case "node":
		for _, n := range presale.DefaultNodes() {
			if n.Code == s {
				return n.Name
			}
		}
		if s == presale.FreeNode {
			return presale.NodeName(nil, s)
		}
	case "milestone":
		return presale.MilestoneLabel(s)
	case "department", "departments":
		return identity.ServiceLabel(s)
	case "end_kind":
		return registry.EndKind(s).Label()
	case "state", "case_state":
		switch domain {
		case "contract":
			return presale.ContractState(s).Label()
		case "presale":
			return presale.PermitState(s).Label()
		case "handover":
			return handover.EventStateLabel(s)
		case "utility":
			return handover.UtilityStateLabel(s)
		case "acceptance":
			return completion.CaseState(s).Label()
		case "application":
			return applicationState(s)
		}
	case "kind":
		switch domain {
		case "alert":
			return supervision.AlertKind(s).Label()
		case "credit":
			return credit.EventKind(s).Label()
		case "parcel":
			return registry.ParcelRestrictionLabel(s)
		case "permit":
			return ledger.PermitKind(s).Label()
		case "accounting":
			return completion.ItemKind(s).Label()
		case "commitment":
			return completion.CommitmentKind(s).Label()
		}
	case "result":
		if domain == "acceptance" {
			return completion.Result(s).Label()
		}
	case "choice":
		return completion.DecisionLabel(s)
	case "payment":
		return presale.Payment(s).Label()
	case "mode":
		return handover.Mode(s).Label()
	}
	return audit.ValueLabel(key, s)
}

// applicationState names a registration application's state as its
// services leave it (registry.Application.Settle).
func applicationState(s string) string {
	switch s {
	case "open":
		return "办理中"
	case "done":
		return "已办结"
	case "withdrawn":
		return "已撤回"
	}
	return s
}

func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := access.Decide(p, access.AuditRead, access.Target{}); err != nil {
		return err
	}
	v, err := s.db.VerifyAudit(r.Context())
	if err != nil {
		return err
	}
	res := &AuditVerification{Count: v.Count, Intact: true}
	if b, broken := v.First(); broken {
		res.Intact, res.Break = false, b
	}
	return s.render(w, 200, "audit", AuditPage{Base: s.base(r, "审计日志"), Verified: res})
}
