package identity

// PrefectureCode is the prefecture's own jurisdiction code: where the
// settings that hold for the whole prefecture are kept.
const PrefectureCode = "652300"

// Changji returns the jurisdictions of 昌吉回族自治州 (GB/T 2260): the
// prefecture itself, its seven counties and cities, and two parks that have
// their own registration and housing branches inside a county's code
// (昌州自然资发〔2022〕196号 addresses "各县市自然资源局、各园区国土资源分局").
// parent maps each code to the jurisdiction it sits in.
func Changji() (js []Jurisdiction, parent map[string]string) {
	j := func(code, name string, kind JurisdictionKind, county, place string) Jurisdiction {
		return Jurisdiction{Code: code, Name: name, Kind: kind, County: county, CertPlace: place, Province: "新", Region: "650000"}
	}
	js = []Jurisdiction{
		j("652300", "昌吉回族自治州", Prefecture, "652300", "昌吉州"),
		j("652301", "昌吉市", County, "652301", "昌吉市"),
		j("652302", "阜康市", County, "652302", "阜康市"),
		j("652323", "呼图壁县", County, "652323", "呼图壁县"),
		j("652324", "玛纳斯县", County, "652324", "玛纳斯县"),
		j("652325", "奇台县", County, "652325", "奇台县"),
		j("652327", "吉木萨尔县", County, "652327", "吉木萨尔县"),
		j("652328", "木垒哈萨克自治县", County, "652328", "木垒县"),
		j("652301-01", "昌吉国家高新技术产业开发区", Park, "652301", "昌吉市"),
		j("652327-01", "准东经济技术开发区", Park, "652327", "吉木萨尔县"),
	}
	parent = map[string]string{}
	for _, x := range js[1:] {
		switch x.Kind {
		case County:
			parent[x.Code] = "652300"
		case Park:
			parent[x.Code] = x.County
		}
	}
	return js, parent
}
