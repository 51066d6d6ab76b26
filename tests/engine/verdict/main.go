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
	"k8s.io/apimachinery/pkg/util/validation"
)

// The same expression as k8s.io/kubernetes pkg/apis/batch/validation (v1.37).
var validTimeZoneCharacters = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

type verdict struct {
	Value string `json:"value"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
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
		fmt.Fprintln(os.Stderr, "usage: engine-verdict cron|timezone|dns-label|dns-subdomain|label-value|cronjob-name|zones < values")
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
		err := check(os.Args[1], value)
		v := verdict{Value: value, OK: err == nil}
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
