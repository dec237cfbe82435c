package web

import (
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"handover/internal/access"
)

// routes registers every page route; the JSON API registers its own.
func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(staticFS()))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))

	mux.Handle("GET /login", s.page(s.loginForm))
	mux.Handle("POST /login", s.page(s.login))
	mux.Handle("POST /logout", s.page(s.logout))
	mux.Handle("GET /{$}", s.page(s.home))

	mux.Handle("GET /admin/orgs", s.page(s.orgList))
	mux.Handle("GET /admin/orgs/new", s.page(s.orgForm))
	mux.Handle("POST /admin/orgs", s.page(s.orgCreate))
	mux.Handle("GET /admin/users", s.page(s.userList))
	mux.Handle("GET /admin/users/new", s.page(s.userForm))
	mux.Handle("POST /admin/users", s.page(s.userCreate))
	mux.Handle("GET /admin/users/{id}", s.page(s.userDetail))
	mux.Handle("POST /admin/users/{id}", s.page(s.userUpdate))
	mux.Handle("POST /admin/users/{id}/tokens", s.page(s.tokenCreate))
	mux.Handle("POST /admin/tokens/{id}/revoke", s.page(s.tokenRevoke))
	mux.Handle("GET /admin/calendar", s.page(s.calendarPage))
	mux.Handle("POST /admin/calendar", s.page(s.calendarLoad))

	mux.Handle("GET /audit", s.page(s.auditPage))
	mux.Handle("GET /audit/verify", s.page(s.auditVerify))

	mux.Handle("GET /projects", s.page(s.projectList))
	mux.Handle("GET /projects/new", s.page(s.projectForm))
	mux.Handle("POST /projects", s.page(s.projectCreate))
	mux.Handle("GET /projects/{id}", s.page(s.projectPage))
	mux.Handle("POST /projects/{id}", s.page(s.projectAction(access.ProjectManage, "facts", s.projectUpdate)))
	mux.Handle("POST /projects/{id}/parcels", s.page(s.projectAction(access.ProjectManage, "parcels", s.parcelPut)))
	mux.Handle("POST /projects/{id}/permits", s.page(s.projectAction(access.ProjectManage, "permits", s.permitAdd)))
	mux.Handle("POST /projects/{id}/permits/confirm", s.page(s.projectAction(access.PermitConfirm, "permits", s.permitConfirm)))
	mux.Handle("POST /projects/{id}/import", s.page(s.ledgerImport))
	mux.Handle("GET /projects/{id}/template.xlsx", s.page(s.ledgerTemplate))
	mux.Handle("GET /imports/{id}/annotated.xlsx", s.page(s.annotatedWorkbook))
	mux.Handle("POST /projects/{id}/presale/apply", s.page(s.projectAction(access.PresaleApply, "presale", s.presaleApply)))
	mux.Handle("POST /projects/{id}/presale/issue", s.page(s.projectAction(access.PresaleDecide, "presale", s.presaleIssue)))
	mux.Handle("POST /projects/{id}/presale/refuse", s.page(s.projectAction(access.PresaleDecide, "presale", s.presaleRefuse)))
	mux.Handle("POST /projects/{id}/presale/change", s.page(s.projectAction(access.PresaleDecide, "presale", s.presaleChange)))
	mux.Handle("GET /presale", s.page(s.presaleQueue))
	mux.Handle("GET /buildings/{id}", s.page(s.buildingPage))
	mux.Handle("GET /units/{id}", s.page(s.unitPage))
	mux.Handle("POST /units/{id}/lock", s.page(s.unitLock))
	mux.Handle("GET /credit", s.page(s.creditPage))
	mux.Handle("POST /credit", s.page(s.creditChange))
	mux.Handle("GET /credit/mine", s.page(s.myCredit))
	mux.Handle("GET /credit/developers/{id}", s.page(s.creditRecordPage))
	mux.Handle("POST /credit/developers/{id}/events", s.page(s.creditRecordEvent))
	mux.Handle("POST /credit/developers/{id}/events/{event}/appeal", s.page(s.creditAppeal))
	mux.Handle("POST /credit/developers/{id}/events/{event}/decision", s.page(s.creditDecideAppeal))
	mux.Handle("GET /admin/settings", s.page(s.settingsPage))
	mux.Handle("POST /admin/settings", s.page(s.settingsSave))
	mux.Handle("GET /public", s.page(s.publicIndex))
	mux.Handle("GET /public/buildings/{id}", s.page(s.publicBuilding))
	mux.Handle("GET /public/projects/{id}", s.page(s.publicProject))
	mux.Handle("GET /public/guide", s.page(s.guidePage))
	mux.Handle("GET /public/guide/{kind}", s.page(s.guidePage))

	mux.Handle("GET /contracts", s.page(s.contractList))
	mux.Handle("GET /contracts/new", s.page(s.contractForm))
	mux.Handle("POST /contracts", s.page(s.contractCreate))
	mux.Handle("GET /contracts/{id}", s.page(s.contractPage))
	mux.Handle("GET /contracts/{id}/document", s.page(s.contractDocument))
	mux.Handle("POST /contracts/{id}", s.page(s.contractStep))
	mux.Handle("GET /projects/{id}/fund", s.page(s.fundPage))
	mux.Handle("POST /projects/{id}/fund", s.page(s.fundAction))
	mux.Handle("GET /projects/{id}/completion", s.page(s.completionPage))
	mux.Handle("POST /projects/{id}/completion", s.page(s.completionStep))
	mux.Handle("GET /projects/{id}/maintenance", s.page(s.maintenancePage))
	mux.Handle("POST /projects/{id}/maintenance", s.page(s.maintenancePay))
	mux.Handle("GET /projects/{id}/reconciliation", s.page(s.reconciliationPage))
	mux.Handle("GET /projects/{id}/reconciliation.xlsx", s.page(s.reconciliationExport))
	mux.Handle("GET /projects/{id}/readiness", s.page(s.readinessPage))
	mux.Handle("POST /contracts/{id}/area", s.page(s.areaDecide))
	mux.Handle("GET /surveys", s.page(s.surveysPage))
	mux.Handle("GET /surveys/{id}", s.page(s.surveyPage))
	mux.Handle("POST /surveys/{id}", s.page(s.surveyDecide))
	mux.Handle("GET /buildings/{id}/survey", s.page(s.surveyUploadPage))
	mux.Handle("POST /buildings/{id}/survey", s.page(s.surveyUpload))
	mux.Handle("GET /buildings/{id}/survey/template.xlsx", s.page(s.surveyTemplate))
	mux.Handle("GET /survey-imports/{id}", s.page(s.surveyImportFile))
	mux.Handle("GET /acceptance", s.page(s.tasksPage))
	mux.Handle("GET /acceptance/{id}", s.page(s.casePage))
	mux.Handle("POST /acceptance/{id}", s.page(s.caseStep))
	mux.Handle("GET /attachments/{id}", s.page(s.attachment))
	mux.Handle("GET /dashboard", s.page(s.dashboardPage))
	mux.Handle("GET /dashboard/units", s.page(s.dashboardUnits))
	mux.Handle("GET /dashboard/projects", s.page(s.dashboardProjects))
	mux.Handle("GET /dashboard/report", s.page(s.reportPage))
	mux.Handle("GET /dashboard/report.xlsx", s.page(s.reportWorkbook))
	mux.Handle("GET /alerts", s.page(s.alertsPage))
	mux.Handle("GET /alerts/{id}", s.page(s.alertPage))
	mux.Handle("POST /alerts/{id}/acknowledge", s.page(s.alertAcknowledge))
	mux.Handle("POST /alerts/{id}/assign", s.page(s.alertAssign))
	mux.Handle("POST /alerts/{id}/resolve", s.page(s.alertResolve))
	mux.Handle("GET /admin/partners", s.page(s.partnersPage))
	mux.Handle("POST /admin/partners", s.page(s.partnerCreate))
	mux.Handle("POST /admin/partners/{id}/replay", s.page(s.partnerReplay))

	mux.Handle("GET /registration", s.page(s.registrationPage))
	mux.Handle("POST /registration/parcels", s.page(s.restrictParcel))
	mux.Handle("GET /applications/new", s.page(s.newApplicationPage))
	mux.Handle("POST /applications", s.page(s.createApplication))
	mux.Handle("GET /applications/{id}", s.page(s.applicationPage))
	mux.Handle("POST /applications/{id}", s.page(s.applicationStep))
	mux.Handle("GET /certificates/{id}", s.page(s.certificatePage))
	mux.Handle("GET /certificates/{id}/qr.png", s.page(s.certificateQR))
	mux.Handle("GET /certificates/{id}/file", s.page(s.certificateDownload))
	mux.Handle("GET /paper-stock", s.page(s.paperPage))
	mux.Handle("POST /paper-stock", s.page(s.paperAction))
	mux.Handle("GET /verify", s.page(s.verifyForm))
	mux.Handle("GET /verify/{licence}", s.page(s.verifyPage))
	mux.Handle("GET /handover", s.page(s.handoverIndex))
	mux.Handle("GET /projects/{id}/handover", s.page(s.handoverListPage))
	mux.Handle("POST /projects/{id}/handover", s.page(s.scheduleHandover))
	mux.Handle("GET /handover/{id}", s.page(s.handoverPage))
	mux.Handle("POST /handover/{id}", s.page(s.handoverAction))
	mux.Handle("GET /projects/{id}/deed-tax", s.page(s.deedTaxPage))
	mux.Handle("POST /projects/{id}/deed-tax", s.page(s.deedTaxAction))
	mux.Handle("GET /my", s.page(s.myPage))
	mux.Handle("GET /mortgages", s.page(s.mortgagesPage))
	mux.Handle("GET /utilities", s.page(s.utilitiesPage))
	mux.Handle("POST /utilities/{id}", s.page(s.answerUtility))

	mux.Handle("GET /tools", s.page(s.toolsPage))
	mux.Handle("GET /docs/api", s.page(s.apiDocs))
	mux.Handle("GET /docs/events", s.page(s.eventDocs))
	mux.Handle("GET /docs/events.json", s.page(s.eventCatalogue))

	mux.Handle("/", s.page(func(w http.ResponseWriter, r *http.Request) error {
		return notFoundPage()
	}))
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err := s.Ready(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"status": "ready", "engine": s.db.Engine().String()})
}
