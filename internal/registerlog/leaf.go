package registerlog

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"handover/internal/audit"
	"handover/internal/registry"
)

// The kinds of record a leaf is.
const (
	AuditEvent    = "audit_event"
	RegisterEntry = "register_entry"
)

// KindLabel names a kind of record in Chinese, for messages.
func KindLabel(kind string) string {
	switch kind {
	case AuditEvent:
		return "审计事件"
	case RegisterEntry:
		return "登记簿记载"
	}
	return kind
}

// leafFormat opens every leaf's data, so that a leaf can never be read as
// anything but a leaf of this log; the number is the version of the
// field lists below.
const leafFormat = "handover-log/1"

// The leaves' contents are these field lists, named for good: a field
// added to registry.Entry or audit.Event changes no leaf already in the
// log (a new field goes into a new format version). Times are UTC with
// microseconds, as both engines keep them; amounts are decimal strings.
const leafTime = "2006-01-02T15:04:05.000000Z"

// EntryLeaf is a register entry as its leaf holds it.
type EntryLeaf struct {
	ID            int64        `json:"id"`
	UnitID        int64        `json:"unit_id"`
	Kind          string       `json:"kind"`
	RegType       int          `json:"reg_type"`
	RightType     int          `json:"right_type"`
	PreNoticeKind int          `json:"prenotice_kind"`
	Holders       []HolderLeaf `json:"holders"`
	Obligor       HolderLeaf   `json:"obligor"`
	Ownership     string       `json:"ownership"`
	Amount        string       `json:"amount"`
	CertNo        string       `json:"cert_no"`
	ContractID    int64        `json:"contract_id"`
	Ends          int64        `json:"ends"`
	EndKind       string       `json:"end_kind"`
	Note          string       `json:"note"`
	Detail        DetailLeaf   `json:"detail"`
	ServiceID     int64        `json:"service_id"`
	RecordedBy    int64        `json:"recorded_by"`
	RecordedAt    string       `json:"recorded_at"`
}

// HolderLeaf is a holder (or an obligor) as an entry's leaf holds it.
type HolderLeaf struct {
	Name     string `json:"name"`
	IDKind   string `json:"id_kind"`
	IDNumber string `json:"id_number"`
	ShareNum int64  `json:"share_num"`
	ShareDen int64  `json:"share_den"`
}

// DetailLeaf is a mortgage's, seal's or objection's particulars.
type DetailLeaf struct {
	TermStart  string `json:"term_start"`
	TermEnd    string `json:"term_end"`
	Rank       int    `json:"rank"`
	NoTransfer bool   `json:"no_transfer"`
	Authority  string `json:"authority"`
	DocNo      string `json:"doc_no"`
	SealKind   string `json:"seal_kind"`
	Waiting    bool   `json:"waiting"`
}

// EventLeaf is an audit event as its leaf holds it.
type EventLeaf struct {
	ID         int64     `json:"id"`
	Lane       int       `json:"lane"`
	Seq        int64     `json:"seq"`
	At         string    `json:"at"`
	Actor      ActorLeaf `json:"actor"`
	Action     string    `json:"action"`
	RecordType string    `json:"record_type"`
	RecordID   string    `json:"record_id"`
	Summary    string    `json:"summary"`
	PrevHash   string    `json:"prev_hash"` // hex
	Hash       string    `json:"hash"`      // hex
}

// ActorLeaf is an event's actor.
type ActorLeaf struct {
	UserID  int64  `json:"user_id"`
	Name    string `json:"name"`
	OrgID   int64  `json:"org_id"`
	OrgName string `json:"org_name"`
	Addr    string `json:"addr"`
}

func leafHolder(h registry.Holder) HolderLeaf {
	return HolderLeaf{Name: h.Name, IDKind: h.IDKind, IDNumber: h.IDNumber, ShareNum: h.ShareNum, ShareDen: h.ShareDen}
}

func leafStamp(t time.Time) string { return t.UTC().Truncate(time.Microsecond).Format(leafTime) }

// Entry is a register entry's leaf content.
func Entry(e registry.Entry) EntryLeaf {
	holders := make([]HolderLeaf, 0, len(e.Holders))
	for _, h := range e.Holders {
		holders = append(holders, leafHolder(h))
	}
	d := e.Detail
	return EntryLeaf{ID: e.ID, UnitID: e.UnitID, Kind: string(e.Kind), RegType: e.RegType, RightType: e.RightType,
		PreNoticeKind: e.PreNoticeKind, Holders: holders, Obligor: leafHolder(e.Obligor), Ownership: e.Ownership,
		Amount: e.Amount.String(), CertNo: e.CertNo, ContractID: e.ContractID, Ends: e.Ends, EndKind: string(e.EndKind),
		Note: e.Note, Detail: DetailLeaf{TermStart: d.TermStart, TermEnd: d.TermEnd, Rank: d.Rank, NoTransfer: d.NoTransfer,
			Authority: d.Authority, DocNo: d.DocNo, SealKind: d.SealKind, Waiting: d.Waiting},
		ServiceID: e.ServiceID, RecordedBy: e.RecordedBy, RecordedAt: leafStamp(e.RecordedAt)}
}

// Event is an audit event's leaf content.
func Event(e audit.Event) EventLeaf {
	a := e.Actor
	return EventLeaf{ID: e.ID, Lane: e.Lane, Seq: e.Seq, At: leafStamp(e.At),
		Actor:  ActorLeaf{UserID: a.UserID, Name: a.Name, OrgID: a.OrgID, OrgName: a.OrgName, Addr: a.Addr},
		Action: e.Action, RecordType: e.RecordType, RecordID: e.RecordID, Summary: e.Summary,
		PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash)}
}

// Leaf is a leaf's data: the format, the record's kind and id, and its
// full content (an EntryLeaf or an EventLeaf) as JSON. Any change to the
// record (a holder's name, an event's summary) changes the leaf.
func Leaf(kind string, id int64, content any) ([]byte, error) {
	switch content.(type) {
	case EntryLeaf, EventLeaf:
	default:
		return nil, fmt.Errorf("log: a leaf holds an EntryLeaf or an EventLeaf, not %T", content)
	}
	b, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s\n%s\n%d\n", leafFormat, kind, id)
	buf.Write(b)
	return buf.Bytes(), nil
}

// LeafHash is the hash of a record's leaf.
func LeafHash(kind string, id int64, content any) ([]byte, error) {
	b, err := Leaf(kind, id, content)
	if err != nil {
		return nil, err
	}
	return Hasher{}.HashLeaf(b), nil
}

// ReadEntryLeaf reads a register entry's leaf data (as a certificate's
// log proof carries it).
func ReadEntryLeaf(leaf []byte) (EntryLeaf, error) {
	var e EntryLeaf
	head := fmt.Sprintf("%s\n%s\n", leafFormat, RegisterEntry)
	rest, ok := bytes.CutPrefix(leaf, []byte(head))
	if !ok {
		return e, fmt.Errorf("log: not a register entry's leaf of format %s", leafFormat)
	}
	id, body, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return e, fmt.Errorf("log: the leaf has no content")
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return e, fmt.Errorf("log: the leaf's content: %w", err)
	}
	if fmt.Sprint(e.ID) != string(id) {
		return e, fmt.Errorf("log: the leaf's id %s is not its entry's %d", id, e.ID)
	}
	return e, nil
}
