package demo

import (
	"context"
	"fmt"
	"time"

	"handover/internal/calendar"
	"handover/internal/store"
	"handover/internal/supervision"
)

// Load loads the whole demo prefecture into an empty database, replaying
// its history from early 2025: opts.Clock moves the database clock to each
// step's moment and back to real time (a zero time) at the end.
func Load(ctx context.Context, db *store.DB, opts Options) error {
	set := opts.Clock
	if set == nil {
		set = func(time.Time) {}
	}
	defer set(time.Time{})
	set(calendar.MustDate("2025-01-06").Start().Add(9 * time.Hour))
	f, err := LoadFoundation(ctx, db, opts)
	if err != nil {
		return err
	}
	lr, err := LoadLedger(ctx, db, f, set)
	if err != nil {
		return err
	}
	if _, err = LoadContracts(ctx, db, f, lr, set); err != nil {
		return err
	}
	cr, err := LoadCompletion(ctx, db, f, lr, set)
	if err != nil {
		return err
	}
	rr, err := LoadRegistration(ctx, db, f, lr, cr, set)
	if err != nil {
		return err
	}
	// Today (the promised material of the filing is overdue): the alerts.
	sr, err := LoadSupervision(ctx, db, f, lr, set)
	if err != nil {
		return err
	}
	// The register log takes the year in and the prefecture signs its
	// checkpoint, as the server's log job does each minute.
	if err := SignLog(ctx, db); err != nil {
		return err
	}
	if opts.Out != nil {
		e := rr.Event
		fmt.Fprintf(opts.Out, "演示项目“天山·悦府”已于%s交房：%d户中%d户当日取得不动产权证书，%d户受阻（原因见交房页面 /handover/%d）。\n",
			e.HeldOn.Chinese(), e.Total, e.Done, e.Blocked, e.ID)
		fmt.Fprint(opts.Out, "待处理的预警：")
		for i, k := range supervision.AlertKinds {
			if i > 0 {
				fmt.Fprint(opts.Out, "，")
			}
			fmt.Fprintf(opts.Out, "%s %d 条", k.Label(), sr.Alerts[k])
		}
		fmt.Fprintln(opts.Out, "（/alerts）。")
		for _, l := range sr.Listed {
			fmt.Fprintf(opts.Out, "限制清单：%s（%s）。\n", l.Name, l.Reason)
		}
	}
	return nil
}

// SignLog takes every record not yet in the register log in and signs a
// checkpoint with the prefecture's demo key.
func SignLog(ctx context.Context, db *store.DB) error {
	if _, err := db.IntegrateLog(ctx); err != nil {
		return err
	}
	keys, err := db.UnlockKeys(ctx, []byte(KeyPassphrase))
	if err != nil {
		return err
	}
	_, _, err = db.SignCheckpoint(ctx, keys)
	return err
}
