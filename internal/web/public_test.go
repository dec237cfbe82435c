package web_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"handover/internal/audit"
	"handover/internal/calendar"
	"handover/internal/presale"
	"handover/internal/store"
	"handover/internal/web/webtest"
)

// idNumber matches a 身份证号 anywhere in a page.
var idNumber = regexp.MustCompile(`\d{17}[\dXx]`)

// The public pages — disclosure, each project and building, the service
// guide, the restriction list, verification — never show an ID number or a
// buyer's full name, whoever asks.
func TestPublicPagesHoldNoPersonalData(t *testing.T) {
	env, paid := startRegistration(t)
	ctx := context.Background()
	ref, _ := env.DB.Unit(ctx, paid.UnitID)
	tab, _ := env.DB.BuildingTable(ctx, ref.Building.ID)
	// A buyer with a name that appears nowhere else.
	const name, id = "欧阳明轩", "652301198807150010"
	dev := actorOfUser(env, "kaifa")
	in := store.ContractInput{UnitID: tab.Rows[1].Cells[0].Unit.ID, Buyers: []presale.Buyer{{Name: name, IDNumber: id}}, Ownership: presale.Sole,
		PriceBasis: presale.ByGross, UnitPrice: decimal.NewFromInt(6000), Payment: presale.Lump, HomeCount: presale.FirstHome,
		DeliveryDate: calendar.MustDate("2027-01-01"), RegistrationDays: 60, LateDeliveryRate: decimal.NewFromInt(3), LateCertificateRate: decimal.NewFromInt(3)}
	c, err := env.DB.DraftContract(ctx, dev, env.Demo.Orgs["dev1"].ID, in)
	if err == nil {
		_, err = env.DB.SendContract(ctx, dev, c.ID)
	}
	if err == nil {
		_, err = env.DB.ConfirmContract(ctx, audit.Actor{Name: name}, c.ID, id)
	}
	if err == nil {
		_, err = env.DB.FileContract(ctx, dev, c.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"/public", "/public?jurisdiction=652301", "/public/guide", "/public/guide/transfer?jurisdiction=652301", "/credit", "/verify",
		"/public/projects/" + itoa(ref.Project.ID)}
	d, _ := env.DB.ProjectDetail(ctx, ref.Project.ID)
	for _, b := range d.Buildings {
		paths = append(paths, "/public/buildings/"+itoa(b.Building.ID))
	}
	for _, who := range []string{"", "zhangwei", "kaifa2"} {
		c := &http.Client{}
		if who != "" {
			c = env.Client(t, who)
		}
		for _, p := range paths {
			resp, err := c.Get(env.HTTP.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s GET %s: %d", who, p, resp.StatusCode)
				continue
			}
			page := string(b)
			if m := idNumber.FindString(page); m != "" {
				t.Errorf("%s GET %s shows an ID number %s", who, p, m)
			}
			if strings.Contains(page, name) {
				t.Errorf("%s GET %s shows the buyer's full name", who, p)
			}
		}
	}
}

// The service guide follows the jurisdiction's configuration: the time
// limit, automatic review and the second review come from the settings
// the registration steps use.
func TestGuideFollowsConfiguration(t *testing.T) {
	env := webtest.Start(t)
	ctx := context.Background()
	admin := actorOfUser(env, "cj-admin")
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(env.HTTP.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	before := get("/public/guide/transfer?jurisdiction=652301")
	if !strings.Contains(before, "受理后 30 个工作日") || strings.Contains(before, "复审") {
		t.Fatalf("default guide: %.400s", before)
	}
	for k, v := range map[string]string{"registration.days": "5", "registration.auto_review": "transfer", "registration.second_review": "1"} {
		if err := env.DB.PutSetting(ctx, admin, "652301", k, v); err != nil {
			t.Fatal(err)
		}
	}
	after := get("/public/guide/transfer?jurisdiction=652301")
	for _, want := range []string{"受理后 5 个工作日", "自动审核", "复审"} {
		if !strings.Contains(after, want) {
			t.Errorf("configured guide lacks %q", want)
		}
	}
	if other := get("/public/guide/transfer?jurisdiction=652302"); !strings.Contains(other, "受理后 30 个工作日") {
		t.Errorf("another county's guide changed too")
	}
	if resp, _ := http.Get(env.HTTP.URL + "/public/guide/nonsense"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown matter: %d", resp.StatusCode)
	}
}
