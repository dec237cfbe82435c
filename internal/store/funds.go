package store

import (
	"context"
	"database/sql"
	"errors"

	"strings"

	"github.com/shopspring/decimal"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/credit"
	"handover/internal/measure"
	"handover/internal/presale"
	"handover/internal/problem"
)

func fundAccount(ctx context.Context, q querier, projectID int64) (presale.FundAccount, error) {
	var a presale.FundAccount
	var supervised int64
	err := q.QueryRowContext(ctx, `SELECT f.project_id, f.bank_org, o.name, f.account_no, f.supervised, f.created_at
		FROM fund_accounts f JOIN organisations o ON o.id = f.bank_org WHERE f.project_id = $1`, projectID).
		Scan(&a.ProjectID, &a.Bank, &a.BankName, &a.Number, &supervised, &a.CreatedAt)
	a.Supervised = measure.FromCents(supervised)
	return a, notFound(err, "fund.no_account", "项目尚未设立预售资金监管账户")
}

// lockFund locks project id and decides act on its fund: the project, and
// the supervising bank once the account is open.
func (tx *Tx) lockFund(ctx context.Context, id int64, act access.Action) error {
	p, err := lockProject(ctx, tx, id)
	if err != nil {
		return err
	}
	t := access.ProjectTarget(p)
	acct, err := fundAccount(ctx, tx.q(), id)
	switch {
	case err == nil:
		t.Org = acct.Bank
	case problem.KindOf(err) != problem.NotFound:
		return err
	}
	return decide(ctx, act, t)
}

// FundAccount returns a project's supervised account.
func (db *DB) FundAccount(ctx context.Context, projectID int64) (presale.FundAccount, error) {
	return fundAccount(ctx, db.r(), projectID)
}

// OpenFundAccount sets up a project's supervised account (housing staff).
// Once set, the account is printed in every contract; it cannot change.
func (db *DB) OpenFundAccount(ctx context.Context, actor audit.Actor, a presale.FundAccount) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := tx.lockFund(ctx, a.ProjectID, access.FundDecide); err != nil {
			return err
		}
		bank, err := orgKind(ctx, tx.q(), a.Bank, "")
		if err != nil {
			return err
		}
		if a, err = presale.OpenAccount(a, bank); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO fund_accounts (project_id, bank_org, account_no, supervised, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, a.ProjectID, a.Bank, a.Number, measure.Cents(a.Supervised), actor.UserID, tx.now)
		if isUniqueViolation(err) {
			return problem.New(problem.Conflict, "fund.account_exists", "该项目已设立监管账户")
		}
		if err != nil {
			return err
		}
		tx.Audit("fund.open", "project", a.ProjectID, map[string]any{"bank": a.Bank, "account": a.Number, "supervised": a.Supervised.StringFixed(2)})
		return nil
	})
}

// RecordPayment records a buyer's payment into the supervised account.
// The rule is presale.Deposit.Check, asked on the contract's project.
func (db *DB) RecordPayment(ctx context.Context, actor audit.Actor, projectID, contractID int64, amount decimal.Decimal, paidOn calendar.Date, note string) error {
	d := presale.Deposit{ProjectID: projectID, ContractID: contractID, Amount: amount, PaidOn: paidOn}
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := tx.lockFund(ctx, projectID, access.FundDeposit); err != nil {
			return err
		}
		if _, err := fundAccount(ctx, tx.q(), projectID); err != nil {
			return err
		}
		var contract any
		var contractProject int64
		if contractID != 0 {
			err := tx.queryRow(ctx, `SELECT project_id FROM contracts WHERE id = $1`, contractID).Scan(&contractProject)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			contract = contractID
		}
		if err := d.Check(contractProject); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO fund_payments (project_id, contract_id, amount, paid_on, note, recorded_by, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, projectID, contract, measure.Cents(amount), paidOn, strings.TrimSpace(note), actor.UserID, tx.now); err != nil {
			return err
		}
		tx.Audit("fund.payment", "project", projectID, map[string]any{"contract": contractID, "amount": amount.StringFixed(2), "paid_on": paidOn})
		return nil
	})
}

// RecordMilestone records a project milestone (e.g. 主体结构验收) with
// evidence, for whoever decides on the project's fund.
func (db *DB) RecordMilestone(ctx context.Context, actor audit.Actor, projectID int64, milestone string, on calendar.Date, evidence string) error {
	return db.transact(ctx, actor, func(tx *Tx) error {
		if err := tx.lockFund(ctx, projectID, access.FundDecide); err != nil {
			return err
		}
		return tx.recordMilestone(ctx, projectID, milestone, on, evidence)
	})
}

func (tx *Tx) recordMilestone(ctx context.Context, projectID int64, milestone string, on calendar.Date, evidence string) error {
	if err := presale.CheckMilestone(milestone, on, evidence); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO project_milestones (project_id, milestone, reached_on, evidence, recorded_by, at)
		VALUES ($1, $2, $3, $4, $5, $6)`, projectID, milestone, on, strings.TrimSpace(evidence), tx.actor.UserID, tx.now); err != nil {
		return err
	}
	tx.Audit("project.milestone", "project", projectID, map[string]any{"milestone": milestone, "on": on})
	return nil
}

// milestones returns a project's reached milestones (the first date of each).
func milestones(ctx context.Context, q querier, projectID int64) (map[string]calendar.Date, error) {
	rows, err := q.QueryContext(ctx, `SELECT milestone, MIN(reached_on) FROM project_milestones WHERE project_id = $1 GROUP BY milestone`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]calendar.Date{}
	for rows.Next() {
		var m string
		var d calendar.Date
		if err := rows.Scan(&m, &d); err != nil {
			return nil, err
		}
		out[m] = d
	}
	return out, rows.Err()
}

// Milestones returns a project's reached milestones.
func (db *DB) Milestones(ctx context.Context, projectID int64) (map[string]calendar.Date, error) {
	return milestones(ctx, db.r(), projectID)
}

// fundFacts gathers what the withdrawal rules look at.
func fundFacts(ctx context.Context, q querier, projectID int64) (presale.FundFacts, error) {
	var f presale.FundFacts
	var err error
	if f.Account, err = fundAccount(ctx, q, projectID); err != nil {
		return f, err
	}
	var deposits, supervised, free int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM fund_payments WHERE project_id = $1`, projectID).Scan(&deposits); err != nil {
		return f, err
	}
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN node <> 'free' THEN amount ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN node = 'free' THEN amount ELSE 0 END), 0) FROM fund_withdrawals WHERE project_id = $1 AND state = 'approved'`,
		projectID).Scan(&supervised, &free); err != nil {
		return f, err
	}
	f.Deposits, f.Supervised, f.Free = measure.FromCents(deposits), measure.FromCents(supervised), measure.FromCents(free)
	if f.Milestones, err = milestones(ctx, q, projectID); err != nil {
		return f, err
	}
	var jurisdiction string
	var developer int64
	if err := q.QueryRowContext(ctx, `SELECT jurisdiction, developer_org FROM projects WHERE id = $1`, projectID).Scan(&jurisdiction, &developer); err != nil {
		return f, err
	}
	if f.Nodes, err = fundNodes(ctx, q, jurisdiction); err != nil {
		return f, err
	}
	if f.Listed, err = isListed(ctx, q, developer); err != nil {
		return f, err
	}
	eff, err := setting(ctx, q, jurisdiction, credit.FundWithdrawal, string(credit.Refuse))
	f.Effect = credit.EffectFor(credit.FundWithdrawal, eff)
	return f, err
}

// fundNodes reads a jurisdiction's release nodes (presale.SettingFundNodes,
// the default template when unset).
func fundNodes(ctx context.Context, q querier, jurisdiction string) ([]presale.Node, error) {
	nodes, err := setting(ctx, q, jurisdiction, presale.SettingFundNodes, "")
	if err != nil {
		return nil, err
	}
	return presale.ParseNodes(nodes)
}

// FundFacts returns a project's supervision figures.
func (db *DB) FundFacts(ctx context.Context, projectID int64) (presale.FundFacts, error) {
	return fundFacts(ctx, db.r(), projectID)
}

// checkWithdrawal runs the withdrawal rules on the project's fund as the
// transaction sees it (the project row locked): at request and again at
// approval, since other releases may have happened in between.
func checkWithdrawal(ctx context.Context, tx *Tx, w presale.Withdrawal) (review bool, err error) {
	f, err := fundFacts(ctx, tx.q(), w.ProjectID)
	if err != nil {
		return false, err
	}
	return presale.CheckWithdrawal(f, w)
}

// RequestWithdrawal records a developer's withdrawal request after the
// rules (a request over the node's cap is refused at once).
func (db *DB) RequestWithdrawal(ctx context.Context, actor audit.Actor, w presale.Withdrawal) (presale.Withdrawal, error) {
	err := db.transact(ctx, actor, func(tx *Tx) error {
		if err := tx.lockFund(ctx, w.ProjectID, access.FundWithdraw); err != nil {
			return err
		}
		tx.attempting("fund.withdraw", 0, w.ProjectID, w.Node+"|"+w.Amount.StringFixed(2))
		review, err := checkWithdrawal(ctx, tx, w)
		if err != nil {
			return err
		}
		w.State, w.RequestedBy, w.RequestedAt, w.ExtraReview = "requested", actor.UserID, tx.now, review
		w.ID, err = tx.insertID(ctx, `INSERT INTO fund_withdrawals (project_id, node, amount, evidence, state, extra_review, requested_by, requested_at)
			VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7)`, w.ProjectID, w.Node, measure.Cents(w.Amount), strings.TrimSpace(w.Evidence), review, actor.UserID, tx.now)
		if err != nil {
			return err
		}
		tx.Audit("fund.request", "fund_withdrawal", w.ID, map[string]any{"project": w.ProjectID, "node": w.Node, "amount": w.Amount.StringFixed(2)})
		return nil
	})
	return w, err
}

func withdrawalByID(ctx context.Context, q querier, id int64) (presale.Withdrawal, error) {
	var w presale.Withdrawal
	var amount int64
	var by sql.NullInt64
	var at sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT id, project_id, node, amount, evidence, state, extra_review, requested_by, requested_at,
		decided_by, decided_at, decision FROM fund_withdrawals WHERE id = $1`, id).
		Scan(&w.ID, &w.ProjectID, &w.Node, &amount, &w.Evidence, &w.State, &w.ExtraReview, &w.RequestedBy, &w.RequestedAt, &by, &at, &w.Decision)
	w.Amount, w.DecidedBy, w.DecidedAt = measure.FromCents(amount), by.Int64, at.Time
	return w, notFound(err, "fund.withdrawal_not_found", "支取申请不存在")
}

// Withdrawal returns one withdrawal request.
func (db *DB) Withdrawal(ctx context.Context, id int64) (presale.Withdrawal, error) {
	return withdrawalByID(ctx, db.r(), id)
}

// Withdrawals lists a project's withdrawal requests, newest first.
func (db *DB) Withdrawals(ctx context.Context, projectID int64) ([]presale.Withdrawal, error) {
	ids, err := int64s(ctx, db.r(), `SELECT id FROM fund_withdrawals WHERE project_id = $1 ORDER BY id DESC`, projectID)
	if err != nil {
		return nil, err
	}
	var out []presale.Withdrawal
	for _, id := range ids {
		w, err := withdrawalByID(ctx, db.r(), id)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// DecideWithdrawal approves or refuses a withdrawal request: the rules are
// presale's Withdrawal.Decide, asked with the fund as the transaction sees
// it (the project locked) when approving, since other releases may have
// happened since the request.
func (db *DB) DecideWithdrawal(ctx context.Context, actor audit.Actor, id int64, approve bool, decision string) (presale.Withdrawal, error) {
	return db.DecideProjectWithdrawal(ctx, actor, 0, id, approve, decision)
}

// DecideProjectWithdrawal is DecideWithdrawal on a request that must be
// project's (0: any project's), refused as not found otherwise, once
// access is decided on the fund of its own project.
func (db *DB) DecideProjectWithdrawal(ctx context.Context, actor audit.Actor, project, id int64, approve bool, decision string) (presale.Withdrawal, error) {
	var w presale.Withdrawal
	err := db.transact(ctx, actor, func(tx *Tx) error {
		var err error
		if w, err = withdrawalByID(ctx, tx.q(), id); err != nil {
			return err
		}
		if err := tx.lockFund(ctx, w.ProjectID, access.FundDecide); err != nil {
			return err
		}
		if project != 0 && w.ProjectID != project {
			return problem.New(problem.NotFound, "fund.withdrawal_not_found", "支取申请不属于本项目")
		}
		var f presale.FundFacts
		if approve {
			if f, err = fundFacts(ctx, tx.q(), w.ProjectID); err != nil {
				return err
			}
		}
		if w, err = w.Decide(f, presale.WithdrawalDecision{Approve: approve, Opinion: decision, By: actor.UserID, At: tx.now}); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE fund_withdrawals SET state = $1, decided_by = $2, decided_at = $3, decision = $4 WHERE id = $5`,
			w.State, w.DecidedBy, w.DecidedAt, w.Decision, id); err != nil {
			return err
		}
		tx.Audit("fund."+w.State, "fund_withdrawal", id, map[string]any{"amount": w.Amount.StringFixed(2), "node": w.Node, "decision": w.Decision})
		return nil
	})
	return w, err
}
