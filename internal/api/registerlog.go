package api

import (
	"net/http"
	"strings"
	"time"

	"handover/internal/access"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/registerlog"
)

// registerLogRoutes: the register's transparency log (登记簿日志), public
// so that anyone holding a checkpoint — a partner, a buyer's certificate —
// can check the log against it; the partners that witness it report the
// checkpoints they hold.
func (a *API) registerLogRoutes() []Route {
	const tag = "登记簿日志"
	return []Route{
		{Method: "GET", Pattern: "/api/v1/log/checkpoint", Action: access.LogRead, Tag: tag,
			Summary:  "最新的签名检查点（C2SP tlog-checkpoint 格式：日志名、大小、SM3 根哈希，州登记机构 SM2 签名）；note 原文保存为文件即可用 handover audit verify --checkpoint 核验",
			Response: checkpointJSON{}, handle: a.checkpoint},
		{Method: "GET", Pattern: "/api/v1/log/proofs/inclusion", Action: access.LogRead, Tag: tag,
			Summary: "某叶在给定大小的日志中的包含证明（RFC 6962/9162）",
			Params: []Param{{Name: "index", In: "query", Required: true, Type: "integer", Desc: "叶序号（从0起）"},
				{Name: "size", In: "query", Required: true, Type: "integer", Desc: "日志大小（不超过当前大小，通常取所持检查点的大小）"}},
			Response: inclusionJSON{}, handle: a.inclusionProof},
		{Method: "GET", Pattern: "/api/v1/log/proofs/consistency", Action: access.LogRead, Tag: tag,
			Summary: "两个大小之间的一致性证明：较大的日志原样包含较小的日志",
			Params: []Param{{Name: "from", In: "query", Required: true, Type: "integer", Desc: "较早的大小（所持检查点的大小）"},
				{Name: "size", In: "query", Required: true, Type: "integer", Desc: "较晚的大小（不超过当前大小）"}},
			Response: consistencyJSON{}, handle: a.consistencyProof},
		{Method: "GET", Pattern: "/api/v1/log/leaves", Action: access.LogRead, Tag: tag,
			Summary: "一条登记簿记载或审计事件在日志中的叶序号与叶哈希",
			Params: []Param{{Name: "kind", In: "query", Required: true, Desc: "register_entry 或 audit_event"},
				{Name: "record", In: "query", Required: true, Type: "integer", Desc: "记载或事件的编号"}},
			Response: leafJSON{}, handle: a.leaf},
		{Method: "POST", Pattern: "/api/v1/log/witnessed", Action: access.LogWitness, Tag: tag,
			Summary: "见证方（税务、银行、省级平台）报送所保存的检查点：核验签名，记录在案，并答复日志现状是否与之一致",
			Request: witnessRequest{}, Response: witnessedJSON{}, Status: 201, handle: a.witnessed},
	}
}

type checkpointJSON struct {
	Origin   string    `json:"origin" doc:"日志名"`
	Size     uint64    `json:"size" doc:"叶数"`
	Root     []byte    `json:"root" doc:"SM3 根哈希（base64）"`
	SignedAt time.Time `json:"signed_at"`
	Note     string    `json:"note" doc:"签名检查点原文（C2SP signed note）"`
}

func (a *API) checkpoint(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := a.DB.LatestCheckpoint(r.Context())
	if err != nil {
		return err
	}
	if !ok {
		return problem.New(problem.NotFound, "log.no_checkpoint", "登记簿日志尚未签出检查点（州登记机构的签名密钥未设置或未解锁）")
	}
	return writeJSON(w, 200, checkpointJSON{Origin: c.Origin, Size: c.Size, Root: c.Root, SignedAt: c.SignedAt, Note: c.Note})
}

type inclusionJSON struct {
	Index    uint64   `json:"index" doc:"叶序号"`
	Size     uint64   `json:"size" doc:"日志大小"`
	LeafHash []byte   `json:"leaf_hash" doc:"叶哈希（base64）"`
	Hashes   [][]byte `json:"hashes" doc:"证明路径（base64），自叶向根"`
}

type consistencyJSON struct {
	From   uint64   `json:"from" doc:"较早的大小"`
	Size   uint64   `json:"size" doc:"较晚的大小"`
	Hashes [][]byte `json:"hashes" doc:"证明路径（base64）"`
}

// logSizes reads non-negative integer query parameters.
func logSizes(r *http.Request, names ...string) ([]uint64, error) {
	out := make([]uint64, len(names))
	for i, n := range names {
		v, err := queryInt(r, n, -1)
		if err != nil {
			return nil, err
		}
		if v < 0 {
			return nil, &problem.Error{Kind: problem.Invalid, Code: "request.query", Message: "缺少参数 " + n, Fields: map[string]string{n: "应为不小于0的整数"}}
		}
		out[i] = uint64(v)
	}
	return out, nil
}

func (a *API) inclusionProof(w http.ResponseWriter, r *http.Request) error {
	v, err := logSizes(r, "index", "size")
	if err != nil {
		return err
	}
	p, err := a.DB.InclusionProof(r.Context(), v[0], v[1])
	if err != nil {
		return err
	}
	return writeJSON(w, 200, inclusionJSON{Index: p.Index, Size: p.Size, LeafHash: p.LeafHash, Hashes: nonNil(p.Hashes)})
}

func (a *API) consistencyProof(w http.ResponseWriter, r *http.Request) error {
	v, err := logSizes(r, "from", "size")
	if err != nil {
		return err
	}
	p, err := a.DB.ConsistencyProof(r.Context(), v[0], v[1])
	if err != nil {
		return err
	}
	return writeJSON(w, 200, consistencyJSON{From: p.From, Size: p.Size, Hashes: nonNil(p.Hashes)})
}

// nonNil keeps an empty proof an empty list in JSON.
func nonNil(h [][]byte) [][]byte {
	if h == nil {
		return [][]byte{}
	}
	return h
}

type leafJSON struct {
	Kind   string `json:"kind"`
	Record int64  `json:"record"`
	Index  uint64 `json:"index" doc:"叶序号"`
	Hash   []byte `json:"hash" doc:"叶哈希（base64）"`
}

func (a *API) leaf(w http.ResponseWriter, r *http.Request) error {
	kind := r.URL.Query().Get("kind")
	if kind != registerlog.RegisterEntry && kind != registerlog.AuditEvent {
		return &problem.Error{Kind: problem.Invalid, Code: "request.query", Message: "kind 应为 register_entry 或 audit_event", Fields: map[string]string{"kind": "应为 register_entry 或 audit_event"}}
	}
	v, err := logSizes(r, "record")
	if err != nil {
		return err
	}
	idx, hash, ok, err := a.DB.LeafOf(r.Context(), kind, int64(v[0]))
	if err != nil {
		return err
	}
	if !ok {
		return problem.New(problem.NotFound, "log.leaf", "该记录尚未记入登记簿日志（每分钟记入一次）或不存在")
	}
	return writeJSON(w, 200, leafJSON{Kind: kind, Record: int64(v[0]), Index: idx, Hash: hash})
}

type witnessRequest struct {
	Witness string `json:"witness,omitempty" doc:"见证方名称（缺省为报送的机构；以机构身份报送时即为该机构）"`
	Note    string `json:"note" doc:"所保存的签名检查点原文"`
}

type witnessedJSON struct {
	Size       uint64 `json:"size" doc:"检查点大小"`
	LogSize    uint64 `json:"log_size" doc:"日志当前大小"`
	Consistent bool   `json:"consistent" doc:"日志现状在该大小处的根哈希与检查点一致"`
}

func (a *API) witnessed(w http.ResponseWriter, r *http.Request) error {
	var in witnessRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := a.DB.ReportWitnessed(r.Context(), identity.ActorFrom(r.Context()), strings.TrimSpace(in.Witness), []byte(in.Note))
	if err != nil {
		return err
	}
	return writeJSON(w, 201, witnessedJSON{Size: res.Size, LogSize: res.LogSize, Consistent: res.Consistent})
}
