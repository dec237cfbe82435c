package certificate

import "handover/internal/problem"

// CheckReceipt checks a range of blanks as entered to receive it: the range
// itself (Range.Check) and a note of at most 200 characters. The overlap
// with ranges already received is CheckReceive's, on the stock.
func CheckReceipt(r Range) error {
	if err := r.Check(); err != nil {
		return err
	}
	if len([]rune(r.Note)) > 200 {
		return &problem.Error{Kind: problem.Invalid, Code: "paper.range_invalid", Message: "说明不超过200字", Fields: map[string]string{"note": "不超过200字"}}
	}
	return nil
}

// ParseBlankSerial is ParseSerial for a blank named on its own (the serial
// field of the spoiling form), whose refusal names that field.
func ParseBlankSerial(serial string) (Serial, error) {
	s, err := ParseSerial(serial)
	if err != nil {
		return s, &problem.Error{Kind: problem.Invalid, Code: "paper.serial_invalid", Message: SerialFormat,
			Fields: map[string]string{"serial": SerialFormat}}
	}
	return s, nil
}

// CheckPrint checks the serials of an issue (SplitSerials; not empty) for
// its delivery: certificates delivered only as electronic licences are
// printed on no blank; otherwise the serials are checked against the
// certificates of the application (CheckSerials).
func CheckPrint(list []string, delivery string, certificates int) ([]Serial, error) {
	if delivery == "electronic" {
		msg := "仅发电子证照的不使用证书纸：请清空印制序列号，或选择其他交付方式"
		return nil, &problem.Error{Kind: problem.Invalid, Code: "paper.electronic", Message: msg, Fields: map[string]string{"paper_serial": msg}}
	}
	return CheckSerials(list, certificates)
}
