package problem

import (
	"strings"
	"unicode/utf8"
)

// CodeInvalidText is the code of text input the platform cannot keep.
const CodeInvalidText = "request.invalid_text"

// CheckText refuses a field's text that holds a NUL byte or is not UTF-8:
// PostgreSQL's TEXT refuses both ("invalid byte sequence for encoding
// UTF8: 0x00"), and no person types them. The refusal names the field.
func CheckText(field, value string) error {
	if strings.IndexByte(value, 0) < 0 && utf8.ValidString(value) {
		return nil
	}
	// The field's name is input too: show it, not its bad bytes.
	name := strings.ToValidUTF8(strings.ReplaceAll(field, "\x00", "␀"), "�")
	return &Error{Kind: Invalid, Code: CodeInvalidText,
		Message: "字段“" + name + "”含有不可见的控制字符或无效的编码，请删除后重试",
		Fields:  map[string]string{name: "含有不可见的控制字符或无效的编码"}}
}
