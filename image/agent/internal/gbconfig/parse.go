package gbconfig

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ParseError is a config GoBackup would not load, or would load into something else
// than its author meant.
type ParseError struct{ Reason string }

func (e *ParseError) Error() string { return "GoBackup config: " + e.Reason }

// Parse reads an already expanded config (see Expand) as GoBackup does: YAML, keys
// case-insensitive, defaults applied where GoBackup applies them.
func Parse(expanded string) (Config, error) {
	var raw any
	if err := yaml.Unmarshal([]byte(expanded), &raw); err != nil {
		return Config{}, &ParseError{Reason: "not valid YAML: " + err.Error()}
	}
	root, ok := lowerKeys(raw).(map[string]any)
	if !ok {
		return Config{}, &ParseError{Reason: "the top level must be a mapping with a models: section"}
	}
	cfg := Config{Workdir: str(root["workdir"])}
	models, _ := root["models"].(map[string]any)
	if len(models) == 0 {
		return Config{}, &ParseError{Reason: "no model found under models:"}
	}
	for _, name := range keys(models) {
		section, ok := models[name].(map[string]any)
		if !ok {
			return Config{}, &ParseError{Reason: fmt.Sprintf("model %s is empty or not a mapping", name)}
		}
		model, err := parseModel(name, section)
		if err != nil {
			return Config{}, err
		}
		cfg.Models = append(cfg.Models, model)
	}
	return cfg, nil
}

func parseModel(name string, section map[string]any) (Model, error) {
	m := Model{Name: name, Compress: "tar", FilenameFormat: "2006.01.02.15.04.05"}
	if schedule, ok := section["schedule"].(map[string]any); ok {
		m.Schedule = Schedule{Cron: str(schedule["cron"]), Every: str(schedule["every"]), At: str(schedule["at"])}
	}
	if compress, ok := section["compress_with"].(map[string]any); ok {
		if t := str(compress["type"]); t != "" {
			m.Compress = t
		}
		_, m.CompressArgs = compress["args"]
		if f := str(compress["filename_format"]); f != "" {
			m.FilenameFormat = f
		}
	}
	if encrypt, ok := section["encrypt_with"].(map[string]any); ok {
		m.Encrypt = str(encrypt["type"])
	}
	_, m.Split = section["split_with"].(map[string]any)
	databases, _ := section["databases"].(map[string]any)
	for _, key := range keys(databases) {
		db, _ := databases[key].(map[string]any)
		port, err := integer(db["port"], 1433)
		if err != nil {
			return Model{}, &ParseError{Reason: fmt.Sprintf("models.%s.databases.%s.port: %v", name, key, err)}
		}
		m.Databases = append(m.Databases, Database{
			Key:      key,
			Type:     str(db["type"]),
			Host:     strOr(db["host"], "127.0.0.1"),
			Port:     port,
			Database: str(db["database"]),
			Username: strOr(db["username"], "sa"),
		})
	}
	storages, _ := section["storages"].(map[string]any)
	for _, key := range keys(storages) {
		st, _ := storages[key].(map[string]any)
		storage, err := parseStorage(name, key, st)
		if err != nil {
			return Model{}, err
		}
		m.Storages = append(m.Storages, storage)
	}
	if len(m.Storages) == 0 {
		return Model{}, &ParseError{Reason: fmt.Sprintf("no storage found in model %s", name)}
	}
	return m, nil
}

func parseStorage(model, key string, st map[string]any) (Storage, error) {
	field := func(f string) string { return fmt.Sprintf("models.%s.storages.%s.%s", model, key, f) }
	s := Storage{Name: key, Type: str(st["type"]), Path: str(st["path"])}
	var err error
	if s.Keep, err = integer(st["keep"], 0); err != nil {
		return Storage{}, &ParseError{Reason: fmt.Sprintf("%s: %v", field("keep"), err)}
	}
	if !s.IsS3() {
		return s, nil
	}
	s.Bucket = str(st["bucket"])
	s.Endpoint = str(st["endpoint"])
	s.Region = strOr(st["region"], "us-east-1")
	s.AccessKeyID = str(st["access_key_id"])
	s.SecretAccessKey = str(st["secret_access_key"])
	if s.SecretAccessKey == "" {
		s.SecretAccessKey = str(st["access_key_secret"])
	}
	// GoBackup: path style for every service but tos and oss, unless force_path_style says otherwise.
	s.PathStyle = true
	if v, ok := st["force_path_style"]; ok {
		if s.PathStyle, err = boolean(v); err != nil {
			return Storage{}, &ParseError{Reason: fmt.Sprintf("%s: %v", field("force_path_style"), err)}
		}
	}
	if s.TimeoutSeconds, err = integer(st["timeout"], 300); err != nil {
		return Storage{}, &ParseError{Reason: fmt.Sprintf("%s: %v", field("timeout"), err)}
	}
	if s.MaxRetries, err = integer(st["max_retries"], 3); err != nil {
		return Storage{}, &ParseError{Reason: fmt.Sprintf("%s: %v", field("max_retries"), err)}
	}
	return s, nil
}

// ObjectKey is where GoBackup uploads an archive named name: filepath.Join(path, name).
func (s Storage) ObjectKey(name string) string { return path.Join(s.Path, name) }

// Folder is the storage's key prefix with a trailing "/" ("" for the bucket's root).
func (s Storage) Folder() string {
	p := strings.Trim(path.Clean("/"+s.Path), "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// StateKey is where GoBackup keeps this storage's retention state in the bucket
// (storage/cycler.go: <path>/.gobackup-state/<model>_<storage>.json).
func (s Storage) StateKey(model string) string {
	return path.Join(s.Path, ".gobackup-state", model+"_"+s.Name+".json")
}

// lowerKeys lower-cases every mapping key, as viper does.
func lowerKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[strings.ToLower(k)] = lowerKeys(val)
		}
		return out
	case []any:
		for i := range t {
			t[i] = lowerKeys(t[i])
		}
		return t
	}
	return v
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	default:
		return fmt.Sprint(t)
	}
}

func strOr(v any, def string) string {
	if s := str(v); s != "" {
		return s
	}
	return def
}

// integer reads a number the way viper's GetInt does for the values a config holds.
func integer(v any, def int) (int, error) {
	switch t := v.(type) {
	case nil:
		return def, nil
	case int:
		return t, nil
	case float64:
		if t != float64(int(t)) {
			return 0, fmt.Errorf("%v is not a whole number", t)
		}
		return int(t), nil
	case string:
		if t == "" {
			return def, nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil {
			return 0, fmt.Errorf("%q is not a whole number", t)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%v is not a whole number", v)
}

func boolean(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		b, err := strconv.ParseBool(t)
		if err != nil {
			return false, fmt.Errorf("%q is not true or false", t)
		}
		return b, nil
	}
	return false, fmt.Errorf("%v is not true or false", v)
}
