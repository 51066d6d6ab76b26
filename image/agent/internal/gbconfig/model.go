package gbconfig

// Config is what the agent needs to know of a GoBackup config.
type Config struct {
	// Workdir is where GoBackup stages each run (a fresh folder below it per model run).
	Workdir string
	// Models, sorted by name (GoBackup lower-cases them, as viper does every key).
	Models []Model
}

// Model is one GoBackup model: what it dumps, when, and where the archive goes.
type Model struct {
	Name     string
	Schedule Schedule
	// Compress is compress_with.type (GoBackup's default: tar).
	Compress string
	// CompressArgs is true when compress_with.args is set (GoBackup passes it to tar
	// before the archive name, so tar takes it as the archive).
	CompressArgs bool
	// FilenameFormat is compress_with.filename_format, a Go time layout.
	FilenameFormat string
	// Encrypt is encrypt_with.type, empty when the archive is not encrypted.
	Encrypt string
	// Split is true when split_with is set (the archive is uploaded in pieces).
	Split     bool
	Databases []Database
	Storages  []Storage
}

// Schedule is the model's schedule section.
type Schedule struct {
	Cron  string
	Every string
	At    string
}

// Database is one entry of a model's databases.
type Database struct {
	Key      string
	Type     string
	Host     string
	Port     int
	Database string
	Username string
}

// Storage is one entry of a model's storages.
type Storage struct {
	Name string
	Type string
	// S3-compatible storages (type s3 or minio).
	Bucket          string
	Endpoint        string
	Region          string
	PathStyle       bool
	AccessKeyID     string
	SecretAccessKey string
	TimeoutSeconds  int
	MaxRetries      int
	// Path is the key prefix (S3) or directory (local) archives go to.
	Path string
	// Keep is the storage's `keep` as the config gives it (0: not set). GoBackup never
	// sees it (RunConfig sets it to 0): it becomes the agent's retention policy.
	Keep int
}

// IsS3 is true for the storages the agent verifies every archive in.
func (s Storage) IsS3() bool { return s.Type == "s3" || s.Type == "minio" }

// S3Storages are the model's S3-compatible storages.
func (m Model) S3Storages() []Storage {
	var out []Storage
	for _, s := range m.Storages {
		if s.IsS3() {
			out = append(out, s)
		}
	}
	return out
}

// LocalStorages are the model's local-copy storages.
func (m Model) LocalStorages() []Storage {
	var out []Storage
	for _, s := range m.Storages {
		if s.Type == "local" {
			out = append(out, s)
		}
	}
	return out
}

// Model returns the model with that name, or false.
func (c Config) Model(name string) (Model, bool) {
	for _, m := range c.Models {
		if m.Name == name {
			return m, true
		}
	}
	return Model{}, false
}
