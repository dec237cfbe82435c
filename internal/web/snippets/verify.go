package snippets

import (
	"crypto/hmac"
	"encoding/hex"
	"strings"

	"github.com/emmansun/gmsm/sm3"
)

// valid 检查签名头 X-Handover-Signature 是否含有以 secret 对“时间戳.正文”的签名。
// 密钥轮换的过渡期内签名头含两个以逗号分隔的签名（新密钥的在前），任一相符即可。
func valid(secret []byte, ts string, body []byte, header string) bool {
	m := hmac.New(sm3.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := []byte("hmac-sm3=" + hex.EncodeToString(m.Sum(nil)))
	ok := false
	for _, sig := range strings.Split(header, ",") {
		if hmac.Equal(want, []byte(strings.TrimSpace(sig))) {
			ok = true
		}
	}
	return ok
}
