package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"handover/internal/problem"
	"handover/internal/store"
)

// personalCmd manages the keys that seal personal information at rest:
// rotate makes a new data key and re-seals every stored value with it;
// reseal finishes an interrupted rotation (what a database held in clear
// before the platform sealed is sealed at its first start). Both run in
// batches, each its own transaction, so the platform keeps serving, and
// both can be run again.
func personalCmd(ctx context.Context, args []string, out io.Writer) error {
	const use = "用法：handover personal rotate | reseal [--batch 1000]（口令取自环境变量 HANDOVER_KEY_PASSPHRASE）"
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "reseal") {
		return fmt.Errorf("%s", use)
	}
	var c Config
	fs := flag.NewFlagSet("personal "+args[0], flag.ContinueOnError)
	commonFlags(fs, &c)
	batch := fs.Int("batch", 1000, "每批重新加密的行数（每批一个事务）")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *batch < 1 || *batch > 100000 {
		return problem.New(problem.Invalid, "personal.batch", "--batch 应在 1 到 100000 之间")
	}
	db, err := openDB(ctx, c.DB, timeNow, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if !db.PersonalUnlocked() {
		return problem.New(problem.Refused, "personal.locked", "个人信息密钥未解锁：请设置 HANDOVER_KEY_PASSPHRASE 为生成密钥时的口令")
	}
	if args[0] == "rotate" {
		id, err := db.RotatePersonalKey(ctx, cliActor())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "已生成个人信息数据密钥 %d，此后写入的个人信息均以其加密；正在以其重新加密已存的个人信息……\n", id)
	}
	batches := 0
	done, err := db.ResealPersonal(ctx, cliActor(), *batch, func(r store.Resealed) {
		if batches++; batches%20 == 0 {
			fmt.Fprintf(out, "  %s.%s：已核对 %d 行，重新加密 %d 行……\n", r.Table, r.Column, r.Rows, r.Changed)
		}
	})
	for _, r := range done {
		fmt.Fprintf(out, "%s.%s：核对 %d 行，重新加密 %d 行\n", r.Table, r.Column, r.Rows, r.Changed)
	}
	if err != nil {
		return fmt.Errorf("重新加密中止（已完成的批次已提交；再次运行 handover personal reseal 从头核对并续办）：%w", err)
	}
	fmt.Fprintf(out, "个人信息已全部以数据密钥 %d 加密。\n", db.Keyring().Active())
	if args[0] == "rotate" {
		fmt.Fprintln(out, "运行中的服务器在一分钟内改用新密钥：若有服务器在运行，请一分钟后再运行一次 handover personal reseal，重新加密其间写入的记录（以旧密钥加密的记录在此之前照常可读）。")
	}
	return nil
}
