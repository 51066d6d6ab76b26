package catalog

import (
	"testing"
	"time"
)

func TestArchiveTimeReadsGoBackupsNamesWithAnyExtension(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for name, want := range map[string]string{
		"2026.11.23.02.00.00.tar":     "2026-11-23T01:00:00Z",
		"2026.11.23.02.00.00.tar.zst": "2026-11-23T01:00:00Z",
		"2026.06.01.02.30.15.tar.gz":  "2026-06-01T00:30:15Z",
	} {
		got, ok := ArchiveTime(name, "2006.01.02.15.04.05", berlin)
		if !ok || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("%s: %v %v, want %s", name, got.UTC(), ok, want)
		}
	}
	if _, ok := ArchiveTime("notes.txt", "2006.01.02.15.04.05", time.UTC); ok {
		t.Error("a name without a time has none")
	}
}

func TestParseManifestReadsFormatTwoAndThree(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, text := range []string{
		`{"formatVersion":2,"archive":{"key":"p/a.tar","size":3,"sha256":"` + sha + `","verifiedFrom":"bucket"}}`,
		`{"formatVersion":3,"archive":{"key":"p/a.tar","size":3,"sha256":"` + sha + `","etag":"x-1","verifiedBy":"etag"}}`,
	} {
		if _, err := ParseManifest([]byte(text)); err != nil {
			t.Errorf("%s: %v", text, err)
		}
	}
	if _, err := ParseManifest([]byte(`{"formatVersion":9,"archive":{"sha256":"` + sha + `"}}`)); err == nil {
		t.Error("an unknown format must be refused")
	}
}
