// Package catalog reads what a model's bucket folder holds: GoBackup's archives,
// the agent's manifests beside them, and when each archive was taken.
package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/digest"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/s3store"
)

// ManifestSuffix names an archive's manifest: <archive key>.manifest.json.
const ManifestSuffix = ".manifest.json"

// Manifest vouches for one archive: written only after the bucket's object was
// proven to hold exactly the bytes GoBackup archived.
type Manifest struct {
	FormatVersion int             `json:"formatVersion"`
	Model         string          `json:"model"`
	RunID         string          `json:"runId,omitempty"`
	Archive       ManifestArchive `json:"archive"`
	Databases     []digest.Bacpac `json:"databases"`
	Sqlpackage    string          `json:"sqlpackageVersion"`
	GoBackup      string          `json:"gobackupVersion"`
	Agent         string          `json:"agentVersion,omitempty"`
	StartedAt     string          `json:"startedAt"`
	FinishedAt    string          `json:"finishedAt"`
	Host          string          `json:"host"`
	// Owner is the deployment that made the archive (format 4).
	Owner string `json:"owner,omitempty"`
	// Source is the SQL Server database it was exported from: mssql://host:port/database (format 4).
	Source string `json:"source,omitempty"`
}

// ManifestArchive is the archive a manifest vouches for.
type ManifestArchive struct {
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	ETag   string `json:"etag,omitempty"`
	// VerifiedBy: "etag" (the bucket's ETag equals the one computed from the local
	// bytes), "download" (the bucket's bytes were read back and hashed), or, in
	// manifests of format 2, "bucket" (read back by the earlier hook).
	VerifiedBy string `json:"verifiedBy,omitempty"`
	// VerifiedFrom is format 2's name for VerifiedBy.
	VerifiedFrom string `json:"verifiedFrom,omitempty"`
	// ObjectETag is the ETag the bucket gave the verified object (format 4): a listing
	// showing another one means the object was replaced since.
	ObjectETag string `json:"objectEtag,omitempty"`
}

// CurrentFormat is the manifest format this agent writes (restore reads 2 to 4).
const CurrentFormat = 4

// ParseManifest reads a manifest of a format restore understands.
func ParseManifest(data []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("not a manifest: %v", err)
	}
	if m.FormatVersion < 2 || m.FormatVersion > CurrentFormat {
		return Manifest{}, fmt.Errorf("manifest format %d is not one this agent reads (2 to %d)", m.FormatVersion, CurrentFormat)
	}
	if len(m.Archive.SHA256) != 64 {
		return Manifest{}, fmt.Errorf("manifest has no SHA-256")
	}
	return m, nil
}

// Entry is one archive in the folder.
type Entry struct {
	Key  string
	Name string
	Size int64
	ETag string
	// Time the archive was taken: from its name (GoBackup's filename_format, in its
	// time zone), else the object's last modification.
	Time     time.Time
	Manifest bool
	// Verified (after Inspect): the manifest is readable and the object still matches it.
	Verified bool
	// Problem (after Inspect): why it is not verified.
	Problem string
	// Vouch (after Inspect): the parsed manifest, when readable.
	Vouch *Manifest
}

// Folder is one model's archives in one bucket.
type Folder struct {
	// Prefix: "<path>/" (see gbconfig.Storage.Folder).
	Prefix string
	// Archives, oldest first.
	Archives []Entry
	// Manifests by the archive name they belong to (the archive may be gone).
	Manifests map[string]s3store.Object
}

// Read lists the folder. format is the model's filename_format (a Go time layout),
// loc the time zone GoBackup formatted it in.
func Read(ctx context.Context, store s3store.Bucket, prefix, format string, loc *time.Location) (Folder, error) {
	objects, err := store.List(ctx, prefix)
	if err != nil {
		return Folder{}, err
	}
	f := Folder{Prefix: prefix, Manifests: map[string]s3store.Object{}}
	for _, o := range objects {
		name := strings.TrimPrefix(o.Key, prefix)
		if name == "" || strings.Contains(name, "/") {
			continue // .gobackup-state/, split archives' folders, anything deeper
		}
		if strings.HasSuffix(name, ManifestSuffix) {
			f.Manifests[strings.TrimSuffix(name, ManifestSuffix)] = o
			continue
		}
		when, ok := ArchiveTime(name, format, loc)
		if !ok {
			when = o.LastModified
		}
		f.Archives = append(f.Archives, Entry{Key: o.Key, Name: name, Size: o.Size, ETag: o.ETag, Time: when})
	}
	for i := range f.Archives {
		_, f.Archives[i].Manifest = f.Manifests[f.Archives[i].Name]
	}
	sort.SliceStable(f.Archives, func(i, j int) bool {
		if !f.Archives[i].Time.Equal(f.Archives[j].Time) {
			return f.Archives[i].Time.Before(f.Archives[j].Time)
		}
		return f.Archives[i].Name < f.Archives[j].Name
	})
	return f, nil
}

// ArchiveTime reads the time in an archive's name: GoBackup names it
// time.Now().Format(filename_format) plus the compressor's extension.
func ArchiveTime(name, format string, loc *time.Location) (time.Time, bool) {
	stem := name
	for ext := path.Ext(stem); ext != "" && len(stem) > len(format); ext = path.Ext(stem) {
		stem = strings.TrimSuffix(stem, ext)
		if t, err := time.ParseInLocation(format, stem, loc); err == nil {
			return t, true
		}
	}
	t, err := time.ParseInLocation(format, stem, loc)
	return t, err == nil
}

// Has reports whether the folder holds an archive named name.
func (f Folder) Has(name string) bool {
	for _, a := range f.Archives {
		if a.Name == name {
			return true
		}
	}
	return false
}

// Newest is the newest archive, or false.
func (f Folder) Newest() (Entry, bool) {
	if len(f.Archives) == 0 {
		return Entry{}, false
	}
	return f.Archives[len(f.Archives)-1], true
}

// Inspect reads the manifest of every archive that has one and marks an archive
// verified when its object still matches it: the same size, and the same ETag where
// the manifest knows the bucket's (format 4, or verified by ETag). An archive that was
// replaced or truncated after verification is no longer verified.
func (f *Folder) Inspect(ctx context.Context, store s3store.Bucket) error {
	for i := range f.Archives {
		e := &f.Archives[i]
		if !e.Manifest {
			e.Problem = "it has no manifest (its run was not verified)"
			continue
		}
		data, err := store.ReadAll(ctx, e.Key+ManifestSuffix)
		if err != nil {
			return fmt.Errorf("reading the manifest of %s: %w", e.Key, err)
		}
		m, err := ParseManifest(data)
		if err != nil {
			e.Problem = "its manifest is unreadable: " + err.Error()
			continue
		}
		e.Vouch = &m
		e.Problem = Mismatch(m, e.Size, e.ETag)
		e.Verified = e.Problem == ""
	}
	return nil
}

// Mismatch says how an object (its size and ETag as the bucket reports them) differs
// from what its manifest verified, or "" when it matches.
func Mismatch(m Manifest, size int64, etag string) string {
	if size != m.Archive.Size {
		return fmt.Sprintf("the object changed after it was verified: it holds %d bytes, the manifest verified %d", size, m.Archive.Size)
	}
	known := m.Archive.ObjectETag
	if known == "" && m.Archive.VerifiedBy == "etag" {
		known = m.Archive.ETag
	}
	if known != "" && etag != "" && etag != known {
		return fmt.Sprintf("the object changed after it was verified: its ETag is %s, the verified object's was %s", etag, known)
	}
	return ""
}

// NewestVerified is the newest verified archive (after Inspect), or false.
func (f Folder) NewestVerified() (Entry, bool) {
	for i := len(f.Archives) - 1; i >= 0; i-- {
		if f.Archives[i].Verified {
			return f.Archives[i], true
		}
	}
	return Entry{}, false
}
