package certificate

import (
	"encoding/json"
	"reflect"
	"testing"
)

// readSeeds are payloads as Canonical writes them and variants that leave
// its one form.
func readSeeds() []string {
	full := samplePayload()
	full.Holders = append(full.Holders, Holder{Name: "李四", IDKind: "身份证", IDNumber: "652301199001011234", Share: "1/2"})
	full.Obligor, full.Amount, full.Matter, full.Notes = "王五", "300000.00", "抵押权", "附记"
	escaped := samplePayload()
	escaped.Location = `昌吉市<北京南路>&"1号"` + "\n"
	none := samplePayload()
	none.Holders = nil
	empty := samplePayload()
	empty.Holders = []Holder{}
	return []string{
		string(samplePayload().Canonical()), string(full.Canonical()), string(escaped.Canonical()), string(none.Canonical()),
		string(empty.Canonical()),
		`{"unit_no":"A","unit_no":"B"}`, `{"Unit_No":"A"}`, `{"unit_no":"A","other":1}`, ` {"unit_no":"A"}`, `{"unit_no":"A"} `,
		`{"unit_no":5}`, `{"holders":[{"name":"张三","name":"李四"}]}`, `{"holders":[{"id_number":"1"}]}`, `{"holders":[{}]}`, `{}`,
		`{"holders":[],}`, `{"area":"\u0031"}`, "{\"area\":\"\xff\"}", `{"area":"1"`, `not json`, `{"holders":[{"name":"a"},]}`,
	}
}

func TestReadShownAsEncodingJSON(t *testing.T) {
	for _, seed := range readSeeds() {
		checkReadShown(t, []byte(seed))
	}
	if _, ok := readCanonical(samplePayload().Canonical()); !ok {
		t.Errorf("a canonical payload left to encoding/json")
	}
	got, err := readShown(samplePayload().Canonical())
	p := samplePayload()
	if want := shownOf(p); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("readShown(sample) = %+v, %v; want %+v", got, err, want)
	}
}

// checkReadShown checks that the fast path, when it takes b, reads what
// json.Unmarshal reads, and that readShown errs exactly when it does.
func checkReadShown(t *testing.T, b []byte) {
	t.Helper()
	var p Payload
	uerr := json.Unmarshal(b, &p)
	if fast, ok := readCanonical(b); ok {
		if uerr != nil {
			t.Fatalf("%q: the fast path took what encoding/json refuses: %v", b, uerr)
		}
		if want := shownOf(p); !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q: fast path %+v, encoding/json %+v", b, fast, want)
		}
	}
	if _, err := readShown(b); (err != nil) != (uerr != nil) {
		t.Fatalf("%q: readShown error %v, encoding/json %v", b, err, uerr)
	}
}

func FuzzReadShown(f *testing.F) {
	for _, seed := range readSeeds() {
		f.Add([]byte(seed))
	}
	f.Fuzz(checkReadShown)
}
