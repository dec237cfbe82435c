package snippets

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"handover/internal/exchange"
)

// The cases every language's check is run on: a partner holding one
// secret, and a header as the courier writes it (one signature, or two
// during a rotation, the new secret's first), as a proxy may rewrite it,
// or malformed.
const (
	oldKey, newKey, otherKey = "old-secret-0123456789", "new-secret-0123456789", "other-secret-012345678"
	ts                       = "1780000000"
	body                     = `{"id":1,"type":"contract.filed"}`
)

type sigCase struct {
	name   string
	holder string
	header func(sign func(secret string) string) string
	want   bool
}

func cases() []sigCase {
	one := func(k string) func(func(string) string) string {
		return func(sign func(string) string) string { return sign(k) }
	}
	rotating := func(sep string) func(func(string) string) string {
		return func(sign func(string) string) string { return sign(newKey) + sep + sign(oldKey) }
	}
	fixed := func(h string) func(func(string) string) string { return func(func(string) string) string { return h } }
	return []sigCase{
		{"one signature", oldKey, one(oldKey), true},
		{"one signature of another secret", newKey, one(oldKey), false},
		{"changeover, the old secret's holder", oldKey, rotating(","), true},
		{"changeover, the new secret's holder", newKey, rotating(","), true},
		{"changeover, neither secret", otherKey, rotating(","), false},
		{"changeover joined by a proxy with a space", oldKey, rotating(", "), true},
		{"empty", oldKey, fixed(""), false},
		{"only a comma", oldKey, fixed(","), false},
		{"the scheme alone", oldKey, fixed("hmac-sm3="), false},
		{"the digits without the scheme", oldKey, func(sign func(string) string) string {
			return strings.TrimPrefix(sign(oldKey), "hmac-sm3=")
		}, false},
		{"two glued without a comma", oldKey, func(sign func(string) string) string { return sign(newKey) + sign(oldKey) }, false},
	}
}

// sm3Sign is the platform's own signature of ts and body.
func sm3Sign(secret string) string { return exchange.Sign([]byte(secret), ts, []byte(body)) }

func TestGoSnippet(t *testing.T) {
	for _, c := range cases() {
		if got := valid([]byte(c.holder), ts, []byte(body), c.header(sm3Sign)); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// The header the courier writes during a changeover is the one the
	// cases build.
	both := exchange.SignAll([][]byte{[]byte(newKey), []byte(oldKey)}, ts, []byte(body))
	if want := sm3Sign(newKey) + "," + sm3Sign(oldKey); both != want {
		t.Errorf("SignAll: got %q, want %q", both, want)
	}
	// The worked example of the page.
	if !valid([]byte("k"), "1", []byte("x"), "hmac-sm3=22ec1ab6cbc59b0b65ff220437c152164500ff51c0aa6775411c9b9929ef154a") {
		t.Errorf("the worked example does not verify")
	}
	if s := Go(); !strings.HasPrefix(s, "import (") || strings.Contains(s, "package ") {
		t.Errorf("the page's Go snippet starts %.30q, want the imports without a package clause", s)
	}
}

// The Python check, run by python3 when its hashlib has SM3 (OpenSSL
// 1.1.1 and later), with the clock at the timestamp; one more case shows
// that a stale timestamp is refused.
func TestPythonSnippet(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if err := exec.Command(py, "-c", `import hashlib; hashlib.new("sm3")`).Run(); err != nil {
		t.Skip("python3's hashlib has no SM3")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "verify.py"), []byte(Python()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Lines of hex fields: secret, timestamp, the clock, body, header.
	harness := `import sys, time, verify
for line in sys.stdin.read().splitlines():
    secret, ts, now, body, header = [bytes.fromhex(f) for f in line.split("\t")]
    time.time = lambda: float(now.decode())
    print(verify.valid(secret, ts.decode(), body, header.decode()))
`
	var in strings.Builder
	var want []string
	line := func(secret, stamp, now, header string, ok bool) {
		for i, f := range []string{secret, stamp, now, body, header} {
			if i > 0 {
				in.WriteString("\t")
			}
			in.WriteString(hex.EncodeToString([]byte(f)))
		}
		in.WriteString("\n")
		want = append(want, map[bool]string{true: "True", false: "False"}[ok])
	}
	cs := cases()
	for _, c := range cs {
		line(c.holder, ts, ts, c.header(sm3Sign), c.want)
	}
	line(oldKey, ts, "1780000301", sm3Sign(oldKey), false) // 301 seconds late
	cmd := exec.Command(py, "-c", harness)
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	names := append(caseNames(cs), "a stale timestamp")
	if len(got) != len(want) {
		t.Fatalf("python3 answered %q, want %d answers", out, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: got %s, want %s", names[i], got[i], want[i])
		}
	}
}

// The Java check is compiled and run with javac. Its Bouncy Castle
// classes are the jar HANDOVER_BCPROV names when set (SM3 then, as
// partners run it); otherwise small stand-ins with the same signatures,
// backed by the JDK's HMAC-SHA256 (the JDK has no SM3), so that the
// snippet's own code — the header split on commas, each entry trimmed and
// compared — is compiled and run either way.
func TestJavaSnippet(t *testing.T) {
	javac, err := exec.LookPath("javac")
	if err != nil {
		t.Skip("javac not installed")
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java not installed")
	}
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("HandoverSignature.java", Java()+"\n")
	write("Main.java", `import java.io.*;
import java.util.HexFormat;
public class Main {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.split("\t", -1);
            byte[][] v = new byte[f.length][];
            for (int i = 0; i < f.length; i++) v[i] = HexFormat.of().parseHex(f[i]);
            System.out.println(HandoverSignature.valid(v[0], new String(v[1], "UTF-8"), v[2], new String(v[3], "UTF-8")));
        }
    }
}
`)
	sources := []string{"HandoverSignature.java", "Main.java"}
	classpath := dir
	sign := sm3Sign
	if jar := os.Getenv("HANDOVER_BCPROV"); jar != "" {
		classpath += string(os.PathListSeparator) + jar
	} else {
		for name, text := range bouncyCastleStandIns() {
			write(name, text)
			sources = append(sources, name)
		}
		sign = func(secret string) string {
			m := hmac.New(sha256.New, []byte(secret))
			m.Write([]byte(ts + "." + body))
			return "hmac-sm3=" + hex.EncodeToString(m.Sum(nil))
		}
	}
	cmd := exec.Command(javac, append([]string{"-encoding", "UTF-8", "-cp", classpath, "-d", dir}, sources...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	var in strings.Builder
	cs := cases()
	for _, c := range cs {
		for i, f := range []string{c.holder, ts, body, c.header(sign)} {
			if i > 0 {
				in.WriteString("\t")
			}
			in.WriteString(hex.EncodeToString([]byte(f)))
		}
		in.WriteString("\n")
	}
	cmd = exec.Command(java, "-cp", classpath, "Main")
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("java: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	if len(got) != len(cs) {
		t.Fatalf("java answered %q, want %d answers", out, len(cs))
	}
	for i, c := range cs {
		if want := map[bool]string{true: "true", false: "false"}[c.want]; got[i] != want {
			t.Errorf("%s: got %s, want %s", c.name, got[i], want)
		}
	}
}

func caseNames(cs []sigCase) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.name)
	}
	return out
}

// bouncyCastleStandIns are the four Bouncy Castle classes the Java
// snippet uses, with the signatures it calls, over the JDK's HMAC-SHA256.
func bouncyCastleStandIns() map[string]string {
	return map[string]string{
		"org/bouncycastle/crypto/digests/SM3Digest.java": `package org.bouncycastle.crypto.digests;
public class SM3Digest {}
`,
		"org/bouncycastle/crypto/params/KeyParameter.java": `package org.bouncycastle.crypto.params;
public class KeyParameter {
    public final byte[] key;
    public KeyParameter(byte[] key) { this.key = key; }
}
`,
		"org/bouncycastle/crypto/macs/HMac.java": `package org.bouncycastle.crypto.macs;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.params.KeyParameter;
public class HMac {
    private final Mac mac;
    public HMac(SM3Digest digest) {
        try { mac = Mac.getInstance("HmacSHA256"); } catch (Exception e) { throw new RuntimeException(e); }
    }
    public void init(KeyParameter p) {
        try { mac.init(new SecretKeySpec(p.key, "HmacSHA256")); } catch (Exception e) { throw new RuntimeException(e); }
    }
    public void update(byte[] in, int off, int len) { mac.update(in, off, len); }
    public int getMacSize() { return mac.getMacLength(); }
    public int doFinal(byte[] out, int off) {
        try { mac.doFinal(out, off); } catch (Exception e) { throw new RuntimeException(e); }
        return mac.getMacLength();
    }
}
`,
		"org/bouncycastle/util/encoders/Hex.java": `package org.bouncycastle.util.encoders;
public class Hex {
    public static String toHexString(byte[] b) { return java.util.HexFormat.of().formatHex(b); }
}
`,
	}
}
