package problem

import (
	"strings"
	"unicode/utf8"
)

// CodeInvalidText is the code of text input the platform cannot keep.
const CodeInvalidText = "request.invalid_text"

// CheckText refuses a field's text that holds a control character other
// than a tab or a line break, or is not UTF-8: PostgreSQL's TEXT refuses
// NUL and invalid UTF-8 ("invalid byte sequence for encoding UTF8: 0x00"),
// the other controls would be kept and then shown in names, titles and
// certificates, and no person types any of them. The refusal names the
// field.
func CheckText(field, value string) error {
	if utf8.ValidString(value) && strings.IndexFunc(value, control) < 0 {
		return nil
	}
	// The field's name is input too: show it, not its bad bytes.
	name := strings.ToValidUTF8(strings.ReplaceAll(field, "\x00", "␀"), "�")
	return &Error{Kind: Invalid, Code: CodeInvalidText,
		Message: "字段“" + name + "”含有不可见的控制字符或无效的编码，请删除后重试",
		Fields:  map[string]string{name: "含有不可见的控制字符或无效的编码"}}
}

// control reports a C0 control character or DEL other than tab, line feed
// and carriage return.
func control(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
}
