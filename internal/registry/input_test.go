package registry

import (
	"strings"
	"testing"
)

func TestParseHolders(t *testing.T) {
	tests := []struct {
		name    string
		in      []HolderInput
		wantErr bool
		num     int64
		den     int64
	}{
		{"sole holder, no share", []HolderInput{{Name: " 张伟 ", IDNumber: "652301199003071231"}}, false, 0, 0},
		{"a half", []HolderInput{{Name: "张伟", IDNumber: zhang.IDNumber, Share: "1/2"}}, false, 1, 2},
		{"spaces around the parts", []HolderInput{{Name: "张伟", IDNumber: zhang.IDNumber, Share: " 1 / 3 "}}, false, 1, 3},
		{"the whole", []HolderInput{{Name: "张伟", IDNumber: zhang.IDNumber, Share: "1/1"}}, false, 1, 1},
		{"more than the whole", []HolderInput{{Name: "张伟", IDNumber: zhang.IDNumber, Share: "3/2"}}, true, 0, 0},
		{"negative", []HolderInput{{Name: "张伟", IDNumber: zhang.IDNumber, Share: "-1/2"}}, true, 0, 0},
		{"zero denominator", []HolderInput{{Name: "张伟", IDNumber: zhang.IDNumber, Share: "1/0"}}, true, 0, 0},
		{"nothing of it", []HolderInput{{Name: "张伟", IDNumber: zhang.IDNumber, Share: "0/2"}}, true, 0, 0},
		{"not a fraction", []HolderInput{{Name: "张伟", IDNumber: zhang.IDNumber, Share: "50%"}}, true, 0, 0},
		{"no document", []HolderInput{{Name: "张伟"}}, true, 0, 0},
		{"a mistyped check digit", []HolderInput{{Name: "张伟", IDNumber: "652301199003071232"}}, true, 0, 0},
		{"a body's code as a 身份证号", []HolderInput{{Name: "天山房地产", IDKind: IDCardKind, IDNumber: "91652301MA78XKQ12A"}}, true, 0, 0},
	}
	for _, tt := range tests {
		hs, err := ParseHolders(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: got error %v, want error=%v", tt.name, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if hs[0].ShareNum != tt.num || hs[0].ShareDen != tt.den || hs[0].Name != strings.TrimSpace(tt.in[0].Name) || hs[0].IDKind != "身份证" {
			t.Errorf("%s: got %+v, want share %d/%d", tt.name, hs[0], tt.num, tt.den)
		}
	}
}

// Every accepted holder has a trimmed name and a share that is either
// absent or a proper fraction of the whole.
func FuzzParseHolders(f *testing.F) {
	f.Add("张伟", "652301199003071231", "1/2")
	f.Add(" ", "", "")
	f.Add("李娜", "x", "9223372036854775807/9223372036854775807")
	f.Add("王芳", "", "0/5")
	f.Fuzz(func(t *testing.T, name, id, share string) {
		hs, err := ParseHolders([]HolderInput{{Name: name, IDNumber: id, Share: share}})
		if err != nil {
			return
		}
		h := hs[0]
		if h.Name != strings.TrimSpace(name) {
			t.Fatalf("name %q kept as %q", name, h.Name)
		}
		if !(h.ShareNum == 0 && h.ShareDen == 0) && (h.ShareDen <= 0 || h.ShareNum <= 0 || h.ShareNum > h.ShareDen) {
			t.Fatalf("share %q accepted as %d/%d", share, h.ShareNum, h.ShareDen)
		}
	})
}
