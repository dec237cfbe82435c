package demo

import (
	"context"
	"time"

	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/store"
)

// LoadPaper stocks 昌吉市不动产登记中心 with paper blanks (证书纸) so that the
// window can print certificates: a box of 500 received before the
// handover, its first blank spoiled when the printer was aligned.
func LoadPaper(ctx context.Context, db *store.DB, f *Foundation, setClock func(time.Time)) error {
	recorder := actorOf(f, "dengbu")
	at(setClock, calendar.MustDate("2026-11-16"), 90)
	r, err := certificate.NewRange("XJ", "26000001", "26000500")
	if err != nil {
		return err
	}
	r.Note = "2026年第4批（自治区自然资源厅调拨）"
	if _, err := db.ReceivePaper(ctx, recorder, "652301", r); err != nil {
		return err
	}
	at(setClock, calendar.MustDate("2026-11-16"), 100)
	_, err = db.SpoilBlank(ctx, recorder, "652301", "XJ26000001", "打印机调试对位，证书纸作废")
	return err
}
