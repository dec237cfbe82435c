package code

import "strings"

// ValidPhone reports whether s is a Chinese telephone number a person can
// be reached on: a mobile number (11 digits, 1[3-9]…, optionally after +86
// or 86) or a fixed line with its area code (0 and 2–3 digits, then 7–8
// digits, with or without a hyphen; an extension after a further hyphen).
func ValidPhone(s string) bool {
	s = strings.TrimSpace(s)
	for _, prefix := range []string{"+86", "86"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok && len(rest) == 11 && AllDigits(rest) {
			s = rest
		}
	}
	if len(s) == 11 && AllDigits(s) && s[0] == '1' && s[1] >= '3' && s[1] <= '9' {
		return true
	}
	area, local, hyphen := strings.Cut(s, "-")
	if !hyphen {
		// 0 + area code + local number written together: 10–12 digits.
		return len(s) >= 10 && len(s) <= 12 && AllDigits(s) && s[0] == '0' && s[1] != '0'
	}
	local, ext, _ := strings.Cut(local, "-")
	return len(area) >= 3 && len(area) <= 4 && AllDigits(area) && area[0] == '0' && area[1] != '0' &&
		len(local) >= 7 && len(local) <= 8 && AllDigits(local) && local[0] != '0' &&
		len(ext) <= 6 && (ext == "" || AllDigits(ext))
}
