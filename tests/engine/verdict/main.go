// Command engine-verdict prints, for each line on stdin, whether the engines that
// run sqlserver-backup's output accept it, using those engines' own code:
//
//	engine-verdict cron        robfig/cron v3.0.1 ParseStandard plus Kubernetes' "no TZ in
//	                           the schedule" rule (what the API server and GoBackup's
//	                           scheduler apply)
//	engine-verdict timezone    Kubernetes' CronJob timeZone rule: its character rule, not
//	                           "Local", then Go's time.LoadLocation
//	engine-verdict dns-label | dns-subdomain | label-value | cronjob-name
//	                           k8s.io/apimachinery's validation (a CronJob name is a
//	                           DNS subdomain of at most 52 characters)
//	engine-verdict zones       the names in Go's own time zone database ($GOROOT/lib/time/zoneinfo.zip;
//	                           set GOROOT, as `go env GOROOT` prints it, for a -trimpath build)
//	engine-verdict quantity    k8s.io/apimachinery's resource.ParseQuantity, and not negative
//	                           (the API server's rule for container resources)
//	engine-verdict dst         each line a JSON {"cron","zone","from","days"}: the runs robfig/cron
//	                           v3 skips (a local time in a spring-forward gap) or makes twice
//	                           (in a fall-back overlap), per date, from its own Next in the zone
//	                           against the same schedule in the zone's standard time (no DST)
//
// Output: one JSON object per input line, {"value": ..., "ok": ..., "error": ...}.
// The unit tests compare the component's validator with these verdicts.
package main

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// The same expression as k8s.io/kubernetes pkg/apis/batch/validation (v1.37).
var validTimeZoneCharacters = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

type verdict struct {
	Value   string      `json:"value"`
	OK      bool        `json:"ok"`
	Error   string      `json:"error,omitempty"`
	Effects []dstEffect `json:"effects,omitempty"`
}

// dstEffect: on date (local), the runs at times (local HH:MM) are skipped or run twice.
type dstEffect struct {
	Date  string   `json:"date"`
	Kind  string   `json:"kind"`
	Times []string `json:"times"`
}

type dstRequest struct {
	Cron string `json:"cron"`
	Zone string `json:"zone"`
	From string `json:"from"`
	Days int    `json:"days"`
}

// wallTimes: every run robfig's schedule makes in loc within [from, to), as local "date time".
func wallTimes(schedule cron.Schedule, loc *time.Location, from, to time.Time) []string {
	var out []string
	for t := schedule.Next(from.In(loc).Add(-time.Second)); t.Before(to); t = schedule.Next(t) {
		out = append(out, t.In(loc).Format("2006-01-02 15:04"))
	}
	return out
}

// standardZone: the zone's standard (winter) offset as a fixed zone, without DST.
func standardZone(loc *time.Location, from time.Time) *time.Location {
	_, a := time.Date(from.Year(), 1, 1, 12, 0, 0, 0, loc).Zone()
	_, b := time.Date(from.Year(), 7, 1, 12, 0, 0, 0, loc).Zone()
	if b < a {
		a = b
	}
	return time.FixedZone("standard", a)
}

func dstVerdict(line string) ([]dstEffect, error) {
	var req dstRequest
	if err := json.Unmarshal([]byte(line), &req); err != nil {
		return nil, err
	}
	schedule, err := cron.ParseStandard(req.Cron)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(req.Zone)
	if err != nil {
		return nil, err
	}
	from, err := time.Parse(time.RFC3339, req.From)
	if err != nil {
		return nil, err
	}
	to := from.Add(time.Duration(req.Days) * 24 * time.Hour)
	actual := wallTimes(schedule, loc, from, to)
	// Every wall-clock match, as a clock without DST sees them; a day of margin on both
	// ends, as the two clocks start and end the window at different local times.
	expected := wallTimes(schedule, standardZone(loc, from), from.Add(-24*time.Hour), to.Add(24*time.Hour))
	first, last := from.In(loc).Format("2006-01-02"), to.In(loc).Format("2006-01-02")
	inside := func(wall string) bool { return wall[:10] > first && wall[:10] < last }
	seen := map[string]int{}
	for _, wall := range actual {
		seen[wall]++
	}
	byDate := map[string]*dstEffect{}
	add := func(wall, kind string) {
		key := wall[:10] + kind
		if byDate[key] == nil {
			byDate[key] = &dstEffect{Date: wall[:10], Kind: kind}
		}
		byDate[key].Times = append(byDate[key].Times, wall[11:])
	}
	for _, wall := range expected {
		if inside(wall) && seen[wall] == 0 {
			add(wall, "skipped")
		}
	}
	for _, wall := range actual {
		if inside(wall) && seen[wall] > 1 {
			add(wall, "twice")
			seen[wall] = 1
		}
	}
	var effects []dstEffect
	for _, e := range byDate {
		sort.Strings(e.Times)
		effects = append(effects, *e)
	}
	sort.Slice(effects, func(i, j int) bool { return effects[i].Date+effects[i].Kind < effects[j].Date+effects[j].Kind })
	return effects, nil
}

func cronVerdict(schedule string) error {
	var err error
	func() {
		// Kubernetes recovers from robfig's panics (e.g. "TZ=x" without a space).
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("invalid schedule format: %v", r)
			}
		}()
		_, err = cron.ParseStandard(schedule)
	}()
	if err != nil {
		return err
	}
	if strings.Contains(schedule, "TZ") {
		return fmt.Errorf("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
	}
	return nil
}

func timeZoneVerdict(zone string) error {
	if zone == "" {
		return fmt.Errorf("timeZone must be nil or non-empty string")
	}
	for _, part := range strings.Split(zone, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !validTimeZoneCharacters.MatchString(part) {
			return fmt.Errorf("unknown time zone %s", zone)
		}
	}
	if strings.EqualFold(zone, "Local") {
		return fmt.Errorf("timeZone must be an explicit time zone")
	}
	_, err := time.LoadLocation(zone)
	return err
}

func messages(errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(errs, "; "))
}

func check(mode, value string) error {
	switch mode {
	case "cron":
		return cronVerdict(value)
	case "timezone":
		return timeZoneVerdict(value)
	case "dns-label":
		return messages(validation.IsDNS1123Label(value))
	case "dns-subdomain":
		return messages(validation.IsDNS1123Subdomain(value))
	case "label-value":
		return messages(validation.IsValidLabelValue(value))
	case "quantity":
		q, err := resource.ParseQuantity(value)
		if err != nil {
			return err
		}
		if q.Sign() < 0 {
			return fmt.Errorf("must be greater than or equal to 0")
		}
		return nil
	case "cronjob-name":
		errs := validation.IsDNS1123Subdomain(value)
		if len(value) > validation.DNS1035LabelMaxLength-11 {
			errs = append(errs, "must be no more than 52 characters")
		}
		return messages(errs)
	}
	fmt.Fprintf(os.Stderr, "unknown mode %q\n", mode)
	os.Exit(2)
	return nil
}

func zones() {
	root := os.Getenv("GOROOT")
	if root == "" {
		root = runtime.GOROOT() //nolint:staticcheck // empty in a -trimpath build; then GOROOT must be set
	}
	reader, err := zip.OpenReader(filepath.Join(root, "lib", "time", "zoneinfo.zip"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer reader.Close()
	var names []string
	for _, file := range reader.File {
		if !file.FileInfo().IsDir() {
			names = append(names, file.Name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Println(name)
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: engine-verdict cron|timezone|dns-label|dns-subdomain|label-value|cronjob-name|quantity|dst|zones < values")
		os.Exit(2)
	}
	if os.Args[1] == "zones" {
		zones()
		return
	}
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	encoder := json.NewEncoder(os.Stdout)
	for scanner.Scan() {
		value := scanner.Text()
		var err error
		var effects []dstEffect
		if os.Args[1] == "dst" {
			effects, err = dstVerdict(value)
		} else {
			err = check(os.Args[1], value)
		}
		v := verdict{Value: value, OK: err == nil, Effects: effects}
		if err != nil {
			v.Error = err.Error()
		}
		if encodeErr := encoder.Encode(v); encodeErr != nil {
			fmt.Fprintln(os.Stderr, encodeErr)
			os.Exit(1)
		}
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
