package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/certificate"
	"handover/internal/handover"
	"handover/internal/inquiry"
	"handover/internal/store"
)

// keyPassphrase is the passphrase that protects the authorities' private
// keys at rest, from the environment (never a flag: it would show in the
// process list and the shell history).
func keyPassphrase() []byte { return []byte(os.Getenv("HANDOVER_KEY_PASSPHRASE")) }

// keysCmd manages the authorities' SM2 signing keys.
func keysCmd(ctx context.Context, args []string, out io.Writer) error {
	const use = "用法：handover keys create --jurisdiction 652301 | list | export --id N（口令取自环境变量 HANDOVER_KEY_PASSPHRASE）"
	if len(args) == 0 {
		return fmt.Errorf("%s", use)
	}
	var c Config
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	commonFlags(fs, &c)
	jurisdiction := fs.String("jurisdiction", "", "辖区代码")
	id := fs.Int64("id", 0, "密钥ID")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, c.DB, timeNow, false)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "create":
		if *jurisdiction == "" {
			return fmt.Errorf("请用 --jurisdiction 指定辖区")
		}
		k, err := db.CreateAuthorityKey(ctx, cliActor(), *jurisdiction, keyPassphrase())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "已生成签名密钥 %d：%s（辖区 %s）；此前的密钥已停用，其签发的证照仍可核验。\n", k.ID, k.Subject, k.Jurisdiction)
		return nil
	case "list":
		keys, err := db.Keys(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			state := "停用"
			if k.Active {
				state = "在用"
			}
			fmt.Fprintf(out, "%d\t%s\t%s\t%s\t%s\n", k.ID, k.Jurisdiction, k.Subject, state, k.CreatedAt.In(calendar.China).Format("2006-01-02 15:04"))
		}
		return nil
	case "export":
		pem, err := db.AuthorityCertificate(ctx, *id)
		if err != nil {
			return err
		}
		_, err = io.WriteString(out, pem)
		return err
	}
	return fmt.Errorf("%s", use)
}

// verifyCmd checks an exported certificate or 查询结果证明 offline.
func verifyCmd(_ context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	authority := fs.String("authority", "", "所信任的登记机构证书（PEM文件；缺省时只校验文件自身的完整性）")
	logAuthority := fs.String("log-authority", "", "所信任的州登记机构证书（PEM文件），用于核验登记簿日志检查点的签名")
	// The file may come before or after the flags.
	files, err := parsePositional(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("用法：handover verify 文件（电子证照或查询结果证明）[--authority 登记机构证书.pem]")
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		return err
	}
	var trusted string
	if *authority != "" {
		b, err := os.ReadFile(*authority)
		if err != nil {
			return err
		}
		trusted = string(b)
	}
	if certificate.FormatOf(raw) == inquiry.FileFormat {
		r, err := inquiry.CheckFile(raw, trusted)
		if err != nil {
			return err
		}
		printInquiry(out, r)
	} else {
		p, err := certificate.CheckFile(raw, trusted)
		if err != nil {
			return err
		}
		var names []string
		for _, h := range p.Holders {
			names = append(names, h.Name)
		}
		fmt.Fprintf(out, "签名有效：%s %s\n权利人：%s\n坐落：%s\n不动产单元号：%s\n电子证照标识：%s\n登记机构：%s（%s）\n",
			p.Kind.Label(), p.Number, strings.Join(names, "、"), p.Location, p.UnitNo, p.LicenceID, p.Authority, p.IssuedOn)
		if err := printLogProof(raw, p, *logAuthority, out); err != nil {
			return err
		}
	}
	if trusted == "" {
		fmt.Fprintln(out, "注意：未指定 --authority，仅证明文件自签名以来未被改动；现势状态请在线核验。")
	}
	return nil
}

// printInquiry writes what a verified 查询结果证明 says: who asked, why,
// and what the register answered at the time.
func printInquiry(out io.Writer, r inquiry.Result) {
	fmt.Fprintf(out, "签名有效：不动产登记资料查询结果证明 %s\n查询人：%s（%s） 目的：%s\n坐落：%s\n不动产单元号：%s\n",
		r.Number, r.Name, inquiry.Requester(r.Requester).Label(), r.Purpose, r.Location, r.UnitNo)
	fmt.Fprintf(out, "是否抵押：%s 是否预告登记：%s 是否查封：%s 是否异议登记：%s\n", inquiry.YesNo(r.Mortgaged), inquiry.YesNo(r.PreNoticed),
		inquiry.YesNo(r.Sealed), inquiry.YesNo(r.Objection))
	if len(r.Holders) > 0 {
		var names []string
		for _, h := range r.Holders {
			names = append(names, h.Name)
		}
		fmt.Fprintf(out, "权利人：%s\n", strings.Join(names, "、"))
	}
	fmt.Fprintf(out, "出具机构：%s（%s）\n本证明仅反映出具时登记簿的记载。\n", r.Authority, r.QueriedAt)
}

// batchCmd runs a handover batch (交房批量办理) from the console, with
// progress, or rehearses it (交房预演).
func batchCmd(ctx context.Context, args []string, out io.Writer) error {
	const use = "用法：handover batch run|rehearse --event N（口令取自环境变量 HANDOVER_KEY_PASSPHRASE）"
	if len(args) == 0 || (args[0] != "run" && args[0] != "rehearse") {
		return fmt.Errorf("%s", use)
	}
	var c Config
	fs := flag.NewFlagSet("batch "+args[0], flag.ContinueOnError)
	commonFlags(fs, &c)
	event := fs.Int64("event", 0, "交房安排ID")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *event == 0 {
		return fmt.Errorf("%s", use)
	}
	db, err := openDB(ctx, c.DB, timeNow, false)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := db.UnlockKeys(ctx, keyPassphrase())
	if err != nil {
		return err
	}
	cal, err := calendar.NewSource(ctx, db.Calendar)
	if err != nil {
		return err
	}
	ev, err := db.HandoverEvent(ctx, *event)
	if err != nil {
		return err
	}
	actor, err := developerActor(ctx, db, ev.ProjectID)
	if err != nil {
		return err
	}
	if args[0] == "rehearse" {
		return rehearse(ctx, db, actor, cal.Get(), ev, keys, out)
	}
	ev, err = db.RunHandover(ctx, actor, cal.Get(), *event, keys, func(e handover.Event) {
		fmt.Fprintf(out, "\r已办结 %d / %d 户，受阻 %d 户", e.Done, e.Total, e.Blocked)
	})
	fmt.Fprintln(out)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(out, "已中断；再次运行将从停下处继续，已办结的户不会重复办理。")
		}
		return err
	}
	fmt.Fprintf(out, "%s：已办结 %d 户，受阻 %d 户（逐户原因见交房页面）。\n", handover.EventStateLabel(ev.State), ev.Done, ev.Blocked)
	return nil
}

// rehearse dry-runs an event's batch (交房预演) and prints what it found,
// grouped by who must act.
func rehearse(ctx context.Context, db *store.DB, actor audit.Actor, cal *calendar.Calendar, ev handover.Event, keys *certificate.Keyring, out io.Writer) error {
	r, err := db.RehearseHandover(ctx, actor, cal, ev.ID, keys)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "交房预演（%s交房）：共 %d 户，条件具备 %d 户，受阻 %d 户。\n", ev.HeldOn.Chinese(), r.Total, r.Ready, r.Blocked)
	for _, p := range r.Problems {
		fmt.Fprintf(out, "整批不能办理：%s\n", p)
	}
	for _, o := range r.Owners() {
		fmt.Fprintf(out, "须由 %s 处理（%d 户）：\n", o.Party.Name, len(o.Units))
		for _, u := range o.Units {
			fmt.Fprintf(out, "  %s：%s\n", u.Room, strings.Join(u.Reasons, "；"))
		}
	}
	return nil
}

// developerActor is the console acting for the project's developer.
func developerActor(ctx context.Context, db *store.DB, project int64) (audit.Actor, error) {
	p, err := db.Project(ctx, project)
	if err != nil {
		return audit.Actor{}, err
	}
	a := cliActor()
	a.OrgID, a.OrgName = p.Developer, p.DeveloperName
	return a, nil
}

// printLogProof checks the certificate file's place in the register log,
// when the file carries one: the checkpoint's signature, the inclusion of
// the leaf, and the leaf being this certificate's register entry. Only a
// trusted prefecture certificate (trustedFile) shows whose the checkpoint
// is: the proof's own certificate travels outside the certificate's
// signature, so anyone could put their own there, and the line says so.
func printLogProof(raw []byte, p certificate.Payload, trustedFile string, out io.Writer) error {
	var f certificate.File
	if err := json.Unmarshal(raw, &f); err != nil || f.Log == nil {
		fmt.Fprintln(out, "登记簿日志：文件未附包含证明（导出时该记载尚未记入日志检查点），可在线查询 /api/v1/log/leaves。")
		return nil
	}
	var trusted string
	if trustedFile != "" {
		b, err := os.ReadFile(trustedFile)
		if err != nil {
			return err
		}
		trusted = string(b)
	}
	c, err := f.Log.Check(p, trusted)
	if err != nil {
		return err
	}
	if trusted == "" {
		fmt.Fprintf(out, "已入登记簿日志 #%d（检查点：%s，大小 %d）；检查点签署者未经核验：请以 --log-authority 指定州登记机构证书\n", f.Log.Index, c.Origin, c.Size)
		return nil
	}
	fmt.Fprintf(out, "已入登记簿日志 #%d（检查点：%s，大小 %d，州登记机构签名有效）\n", f.Log.Index, c.Origin, c.Size)
	return nil
}
