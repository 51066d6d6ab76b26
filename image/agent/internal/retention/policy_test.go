package retention

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

var base = time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)

func archive(day int, verified bool) Archive {
	t := base.Add(time.Duration(day) * 24 * time.Hour)
	return Archive{Name: t.Format("2006.01.02.15.04.05") + ".tar", Time: t, Verified: verified}
}

func kept(decisions []Decision) []string {
	var out []string
	for _, d := range decisions {
		if d.Keep {
			out = append(out, d.Archive.Name[:10])
		}
	}
	return out
}

func TestKeepsExactlyTheTwoNewestVerifiedArchivesWithKeepTwo(t *testing.T) {
	decisions := Apply([]Archive{archive(0, true), archive(1, true), archive(2, true), archive(3, true)}, Policy{Keep: 2})
	if got := strings.Join(kept(decisions), " "); got != "2026.11.04 2026.11.03" {
		t.Fatalf("kept %s", got)
	}
	removed := Removals(decisions)
	if len(removed) != 2 || removed[0].Archive.Name[:10] != "2026.11.01" || !strings.Contains(removed[0].Reason(), "older than the newest 2") {
		t.Fatalf("removals: %+v", removed)
	}
}

func TestFailedRunsAfterTheUploadNeverPushVerifiedArchivesOut(t *testing.T) {
	// keep: 2, two verified runs, then keep+1 runs that uploaded and failed: GoBackup's
	// cycler deleted both verified archives here; the policy keeps them.
	archives := []Archive{archive(0, true), archive(1, true), archive(2, false), archive(3, false), archive(4, false)}
	decisions := Apply(archives, Policy{Keep: 2, KeepFailed: 1})
	for _, d := range decisions {
		if d.Archive.Verified && !d.Keep {
			t.Fatalf("a verified archive is removed: %+v", d)
		}
		if !d.Archive.Verified && !d.Keep {
			t.Fatalf("a failed run's archive newer than every verified one is removed: %+v", d)
		}
	}
}

func TestAFailedRunsArchiveGoesOnceANewerVerifiedOneExists(t *testing.T) {
	decisions := Apply([]Archive{archive(0, true), archive(1, false), archive(2, false), archive(3, true)}, Policy{Keep: 5, KeepFailed: 1})
	if got := strings.Join(kept(decisions), " "); got != "2026.11.04 2026.11.03 2026.11.01" {
		t.Fatalf("kept %s", got)
	}
	removed := Removals(decisions)
	if len(removed) != 1 || removed[0].Archive.Name[:10] != "2026.11.02" || !strings.Contains(removed[0].Reason(), "its run failed") {
		t.Fatalf("removals: %+v", removed)
	}
}

func TestCalendarTiersKeepFourteenDailiesEightWeekliesAndTwelveMonthliesNotFourHundredArchives(t *testing.T) {
	var archives []Archive
	for day := 0; day < 400; day++ {
		archives = append(archives, archive(day, true))
	}
	decisions := Apply(archives, Policy{Keep: 3, Daily: 14, Weekly: 8, Monthly: 12})
	names := kept(decisions)
	// 14 dailies include the newest 3; weeklies past the 14 days add 6, monthlies add the rest.
	if len(names) < 14 || len(names) > 14+8+12 {
		t.Fatalf("kept %d archives: %v", len(names), names)
	}
	months := map[string]bool{}
	for _, d := range decisions {
		if d.Keep {
			months[d.Archive.Time.Format("2006-01")] = true
		}
	}
	if len(months) != 12 {
		t.Fatalf("the kept archives cover %d months, want 12: %v", len(months), names)
	}
}

func TestDailyTierCountsDaysInTheScheduleTimeZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 and 22:30 UTC on one UTC day are two different days in Berlin (00:30 and 23:30).
	late := Archive{Name: "2026.11.10.23.30.00.tar", Time: time.Date(2026, 11, 10, 23, 30, 0, 0, time.UTC), Verified: true}
	early := Archive{Name: "2026.11.10.22.30.00.tar", Time: time.Date(2026, 11, 10, 22, 30, 0, 0, time.UTC), Verified: true}
	if n := len(kept(Apply([]Archive{early, late}, Policy{Keep: 1, Daily: 2, Location: berlin}))); n != 2 {
		t.Fatalf("Berlin: kept %d, want one per Berlin day (2)", n)
	}
	if n := len(kept(Apply([]Archive{early, late}, Policy{Keep: 1, Daily: 2, Location: time.UTC}))); n != 1 {
		t.Fatalf("UTC: kept %d, want 1 (one UTC day)", n)
	}
}

func TestWithoutAnyVerifiedArchiveNothingIsRemoved(t *testing.T) {
	decisions := Apply([]Archive{archive(0, false), archive(1, false), archive(2, false)}, Policy{Keep: 1})
	if len(Removals(decisions)) != 0 {
		t.Fatalf("removed %+v", Removals(decisions))
	}
}

func TestPolicyProblemsNameTheField(t *testing.T) {
	problems := Policy{Keep: 0, Daily: -1}.Problems()
	if len(problems) != 2 || !strings.Contains(problems[0], "keep must be at least 1") || !strings.Contains(problems[1], "keepDaily") {
		t.Fatalf("problems: %v", problems)
	}
}

// TestPropertyTheNewestKeepVerifiedArchivesAlwaysSurvive: for any sequence of verified
// and failed runs (ties in time included) and any policy, the newest min(keep, n)
// verified archives, the newest verified one and everything newer than it survive,
// and every removal has a reason.
func TestPropertyTheNewestKeepVerifiedArchivesAlwaysSurvive(t *testing.T) {
	rng := rand.New(rand.NewSource(20261204))
	zones := []*time.Location{time.UTC, time.FixedZone("x", 13*3600), time.FixedZone("y", -11*3600)}
	for iteration := 0; iteration < 5000; iteration++ {
		n := rng.Intn(60)
		archives := make([]Archive, n)
		for i := range archives {
			at := base.Add(time.Duration(rng.Intn(90*24)) * time.Hour)
			archives[i] = Archive{Name: fmt.Sprintf("%s-%d", at.Format("2006.01.02.15"), i), Time: at, Verified: rng.Intn(3) > 0}
		}
		p := Policy{Keep: 1 + rng.Intn(6), Daily: rng.Intn(8), Weekly: rng.Intn(5), Monthly: rng.Intn(4), KeepFailed: rng.Intn(3), Location: zones[rng.Intn(len(zones))]}
		decisions := Apply(archives, p)
		if len(decisions) != n {
			t.Fatalf("%d decisions for %d archives", len(decisions), n)
		}
		verified, newestVerified := 0, -1
		for i, d := range decisions {
			if i > 0 && d.Archive.Time.After(decisions[i-1].Archive.Time) {
				t.Fatalf("decisions not newest first at %d", i)
			}
			if len(d.Reasons) == 0 {
				t.Fatalf("decision without a reason: %+v", d)
			}
			if d.Archive.Verified {
				verified++
				if newestVerified < 0 {
					newestVerified = i
				}
				if verified <= p.Keep && !d.Keep {
					t.Fatalf("policy %+v removed verified archive #%d (%s): %s", p, verified, d.Archive.Name, d.Reason())
				}
			} else if newestVerified < 0 && !d.Keep {
				t.Fatalf("policy %+v removed %s, newer than every verified archive", p, d.Archive.Name)
			}
		}
		if newestVerified >= 0 && !decisions[newestVerified].Keep {
			t.Fatalf("the newest verified archive was removed")
		}
	}
}
