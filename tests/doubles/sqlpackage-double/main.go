// sqlpackage-double is a TEST DOUBLE of Microsoft's sqlpackage, used where SQL Server
// cannot run. It is not sqlpackage and never talks to a database.
//
// It parses its command line the way sqlpackage documents it (/Name:value, names
// case-insensitive, short forms), fails like sqlpackage on a missing or malformed
// argument or a wrong login, records the argv it received, and for /Action:Export
// writes a zip of incompressible bytes to /TargetFile. For /Action:Import it records
// the bacpac it was given.
//
// Environment (all optional):
//
//	SQLPACKAGE_DOUBLE_ARGV_FILE     append the argv as one JSON array per line
//	SQLPACKAGE_DOUBLE_SIZE          bytes of payload in the exported zip (default 1 MiB)
//	SQLPACKAGE_DOUBLE_TABLES, SQLPACKAGE_DOUBLE_ROWS
//	                                the table count and row total the export's Origin.xml records
//	                                (default 1 and 1000), shaped as DacFx writes it
//	SQLPACKAGE_DOUBLE_FROM          on Export, hard-link (or copy) this prepared bacpac instead of writing one,
//	                                so benchmarks time what happens after the export
//	SQLPACKAGE_DOUBLE_EXIT          exit with this code after parsing (simulate a failure)
//	SQLPACKAGE_DOUBLE_DELAY_SECONDS sleep this long after parsing (simulate a long export or import)
//	SQLPACKAGE_DOUBLE_EXPORT_COPY   on Export, also copy the bacpac written to this path
//	SQLPACKAGE_DOUBLE_IMPORT_COPY   on Import, copy the source bacpac to this path
//	SQLPACKAGE_DOUBLE_STARTED_FILE  write the start time (Unix nanoseconds) here
//	SQLSERVER_DOUBLE_STATE          on Import, create the database in this state directory of
//	                                sqlserver-double (tables and rows from the bacpac's Origin.xml);
//	                                a database already there fails the import as sqlpackage does
//	SQLSERVER_DOUBLE_URL            the same through sqlserver-double's -http endpoint (from a pod)
//	SQLPACKAGE_DOUBLE_IMPORT_FAIL   on Import, fail with this message after the (empty) database was
//	                                created, as a real import that breaks while loading data leaves it
//	EXPECT_SERVER, EXPECT_DATABASE, EXPECT_USER, EXPECT_PASSWORD
//	                                when set, a different value fails the login as SQL Server would
//
// Like every .NET program, it fails at start when its working directory no longer
// exists (.NET reads it with getcwd(2): System.IO.FileNotFoundException at
// Interop.Sys.GetCwd(), dotnet/sdk#53443); GoBackup's scheduler leaves its children
// in a deleted directory after the first run (compressor/base.go, model/model.go).
package main

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Long and short names sqlpackage accepts for the parameters we model.
var aliases = map[string]string{
	"action": "Action", "a": "Action",
	"sourceservername": "SourceServerName", "ssn": "SourceServerName",
	"sourcedatabasename": "SourceDatabaseName", "sdn": "SourceDatabaseName",
	"sourceuser": "SourceUser", "su": "SourceUser",
	"sourcepassword": "SourcePassword", "sp": "SourcePassword",
	"sourcetrustservercertificate": "SourceTrustServerCertificate", "stsc": "SourceTrustServerCertificate",
	"sourcefile": "SourceFile", "sf": "SourceFile",
	"targetfile": "TargetFile", "tf": "TargetFile",
	"targetservername": "TargetServerName", "tsn": "TargetServerName",
	"targetdatabasename": "TargetDatabaseName", "tdn": "TargetDatabaseName",
	"targetuser": "TargetUser", "tu": "TargetUser",
	"targetpassword": "TargetPassword", "tp": "TargetPassword",
	"targettrustservercertificate": "TargetTrustServerCertificate", "ttsc": "TargetTrustServerCertificate",
	"properties": "p", "p": "p",
	"version": "Version",
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "*** "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if file := os.Getenv("SQLPACKAGE_DOUBLE_STARTED_FILE"); file != "" {
		// When this sqlpackage started, for benchmarks of what precedes it.
		_ = os.WriteFile(file, []byte(strconv.FormatInt(time.Now().UnixNano(), 10)), 0o600)
	}
	if _, err := syscall.Getwd(); err != nil {
		fmt.Fprintf(os.Stderr, "Unhandled exception. System.IO.FileNotFoundException: Unable to find the specified file.\n   at Interop.Sys.GetCwd() (%v)\n", err)
		os.Exit(134)
	}
	record(os.Args[1:])
	params := map[string]string{}
	var properties []string
	for _, arg := range os.Args[1:] {
		if !strings.HasPrefix(arg, "/") && !strings.HasPrefix(arg, "-") {
			fail("'%s' is not a valid argument. Arguments have the form /Name:value.", arg)
		}
		name, value, hasValue := strings.Cut(arg[1:], ":")
		canonical, known := aliases[strings.ToLower(name)]
		if !known {
			fail("'%s' is not a valid argument for this action.", name)
		}
		if canonical == "Version" {
			fmt.Println("170.2.70.1 (sqlpackage-double)")
			return
		}
		if !hasValue || value == "" {
			fail("Missing value for argument '%s'.", name)
		}
		if canonical == "p" {
			properties = append(properties, value)
			continue
		}
		if _, dup := params[canonical]; dup {
			fail("Argument '%s' was specified more than once.", canonical)
		}
		params[canonical] = value
	}
	for _, property := range properties {
		if !strings.Contains(property, "=") {
			fail("'%s' is not a valid property. Properties have the form /p:Name=Value.", property)
		}
	}
	if delay := os.Getenv("SQLPACKAGE_DOUBLE_DELAY_SECONDS"); delay != "" {
		seconds, err := strconv.Atoi(delay)
		if err != nil {
			fail("SQLPACKAGE_DOUBLE_DELAY_SECONDS must be a whole number")
		}
		time.Sleep(time.Duration(seconds) * time.Second)
	}
	if code := os.Getenv("SQLPACKAGE_DOUBLE_EXIT"); code != "" {
		n, _ := strconv.Atoi(code)
		fmt.Fprintln(os.Stderr, "*** sqlpackage-double: failing on purpose (SQLPACKAGE_DOUBLE_EXIT)")
		os.Exit(n)
	}
	switch strings.ToLower(params["Action"]) {
	case "export":
		export(params)
	case "import":
		importBacpac(params)
	case "":
		fail("The required argument 'Action' was not specified.")
	default:
		fail("'%s' is not an action this double supports (Export, Import).", params["Action"])
	}
}

func record(argv []string) {
	path := os.Getenv("SQLPACKAGE_DOUBLE_ARGV_FILE")
	if path == "" {
		return
	}
	line, _ := json.Marshal(argv)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fail("cannot record argv: %v", err)
	}
	defer f.Close()
	fmt.Fprintln(f, string(line))
}

func require(params map[string]string, names ...string) {
	for _, name := range names {
		if params[name] == "" {
			fail("The required argument '%s' was not specified.", name)
		}
	}
}

// login checks server, database and credentials against the EXPECT_* values.
func login(server, database, user, password string) {
	host, port, ok := strings.Cut(server, ",")
	if !ok || host == "" {
		port = "1433"
	}
	if _, err := strconv.Atoi(port); err != nil {
		fail("Invalid server name '%s': the port after the comma must be a number.", server)
	}
	check := func(env, got, message string) {
		if want, set := os.LookupEnv(env); set && want != got {
			fail("%s", message)
		}
	}
	check("EXPECT_SERVER", server, fmt.Sprintf("A network-related or instance-specific error occurred while establishing a connection to SQL Server '%s'.", server))
	check("EXPECT_USER", user, fmt.Sprintf("Login failed for user '%s'.", user))
	check("EXPECT_PASSWORD", password, fmt.Sprintf("Login failed for user '%s'.", user))
	check("EXPECT_DATABASE", database, fmt.Sprintf("Cannot open database \"%s\" requested by the login. The login failed.", database))
}

func export(params map[string]string) {
	require(params, "SourceServerName", "SourceDatabaseName", "TargetFile")
	login(params["SourceServerName"], params["SourceDatabaseName"], params["SourceUser"], params["SourcePassword"])
	if v := params["SourceTrustServerCertificate"]; v != "" && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
		fail("'%s' is not a valid value for SourceTrustServerCertificate (True or False).", v)
	}
	target := params["TargetFile"]
	if !strings.HasSuffix(strings.ToLower(target), ".bacpac") {
		fail("The TargetFile '%s' must have the .bacpac extension.", target)
	}
	if from := os.Getenv("SQLPACKAGE_DOUBLE_FROM"); from != "" {
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			fail("cannot create the target directory: %v", err)
		}
		if err := os.Link(from, target); err != nil {
			copyFile(from, target)
		}
		fmt.Printf("Successfully exported database and saved it to file '%s'.\n", target)
		return
	}
	size := int64(1 << 20)
	if s := os.Getenv("SQLPACKAGE_DOUBLE_SIZE"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			fail("SQLPACKAGE_DOUBLE_SIZE must be a byte count")
		}
		size = n
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		fail("cannot create the target directory: %v", err)
	}
	out, err := os.Create(target)
	if err != nil {
		fail("cannot create %s: %v", target, err)
	}
	archive := zip.NewWriter(out)
	// A bacpac is a zip; its data is already compressed, so it is stored with random bytes.
	model, _ := archive.Create("model.xml")
	fmt.Fprintf(model, "<DataSchemaModel database=%q/>\n", params["SourceDatabaseName"])
	origin, _ := archive.Create("Origin.xml")
	fmt.Fprint(origin, originXML(envCount("SQLPACKAGE_DOUBLE_TABLES", 1), envCount("SQLPACKAGE_DOUBLE_ROWS", 1000)))
	data, _ := archive.CreateHeader(&zip.FileHeader{Name: "Data/dbo.Payload/TableData-000-00000.BCP", Method: zip.Store})
	if _, err := io.CopyN(data, rand.Reader, size); err != nil {
		fail("cannot write payload: %v", err)
	}
	if err := archive.Close(); err != nil {
		fail("cannot finish %s: %v", target, err)
	}
	if err := out.Close(); err != nil {
		fail("cannot close %s: %v", target, err)
	}
	if copyTo := os.Getenv("SQLPACKAGE_DOUBLE_EXPORT_COPY"); copyTo != "" {
		copyFile(target, copyTo)
	}
	fmt.Printf("Successfully exported database and saved it to file '%s'.\n", target)
}

// originXML is an Origin.xml as DacFx writes it into an exported bacpac (the elements
// seen in bacpacs of DacFx 14.0 to 162.2): the source's object counts and the
// export's statistics.
func originXML(tables, rows int64) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<DacOrigin xmlns="http://schemas.microsoft.com/sqlserver/dac/Serialization/2012/02">
  <PackageProperties>
    <Version>3.1.0.0</Version>
    <ContainsExportedData>true</ContainsExportedData>
  </PackageProperties>
  <Server>
    <ServerVersion>sqlpackage-double</ServerVersion>
    <ObjectCounts>
      <Table>%d</Table>
    </ObjectCounts>
  </Server>
  <ExportStatistics>
    <SourceDatabaseSize>11160</SourceDatabaseSize>
    <TableRowCountTotalTag>%d</TableRowCountTotalTag>
  </ExportStatistics>
</DacOrigin>
`, tables, rows)
}

// envCount reads a whole number from name, or def when it is unset.
func envCount(name string, def int64) int64 {
	text := os.Getenv(name)
	if text == "" {
		return def
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		fail("%s must be a whole number", name)
	}
	return n
}

func importBacpac(params map[string]string) {
	require(params, "SourceFile", "TargetServerName", "TargetDatabaseName")
	login(params["TargetServerName"], params["TargetDatabaseName"], params["TargetUser"], params["TargetPassword"])
	source := params["SourceFile"]
	bacpac, err := zip.OpenReader(source)
	if err != nil {
		fail("The file '%s' is not a valid bacpac: %v", source, err)
	}
	if dir, url := os.Getenv("SQLSERVER_DOUBLE_STATE"), os.Getenv("SQLSERVER_DOUBLE_URL"); dir != "" || url != "" {
		createDatabase(dir, url, params["TargetDatabaseName"], bacpac)
	}
	if copyTo := os.Getenv("SQLPACKAGE_DOUBLE_IMPORT_COPY"); copyTo != "" {
		copyFile(source, copyTo)
	}
	fmt.Printf("Successfully imported database to '%s'.\n", params["TargetDatabaseName"])
}

// createDatabase puts the imported database into sqlserver-double's state: its table
// count and row total as the bacpac's Origin.xml recorded them.
func createDatabase(dir, url, name string, bacpac *zip.ReadCloser) {
	const exists = "Error SQL72018: Data cannot be imported into target because it contains one or more user objects. Import should be performed against a new, empty database."
	file := filepath.Join(dir, "databases", name+".json")
	if _, err := os.Stat(file); dir != "" && err == nil {
		fail(exists)
	}
	var origin struct {
		Tables int64 `xml:"Server>ObjectCounts>Table"`
		Rows   int64 `xml:"ExportStatistics>TableRowCountTotalTag"`
	}
	for _, f := range bacpac.File {
		if f.Name == "Origin.xml" {
			r, err := f.Open()
			if err != nil {
				fail("cannot read Origin.xml: %v", err)
			}
			if err := xml.NewDecoder(r).Decode(&origin); err != nil {
				fail("Origin.xml is not valid: %v", err)
			}
			r.Close()
		}
	}
	failure := os.Getenv("SQLPACKAGE_DOUBLE_IMPORT_FAIL")
	if failure != "" {
		// Created, then the data load broke: an empty database is left behind.
		origin.Tables, origin.Rows = 0, 0
	}
	data, _ := json.Marshal(map[string]int64{"tables": origin.Tables, "rows": origin.Rows})
	if url != "" {
		req, _ := http.NewRequest(http.MethodPut, strings.TrimSuffix(url, "/")+"/databases/"+name, bytes.NewReader(data))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fail("A network-related or instance-specific error occurred while establishing a connection to SQL Server: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusConflict {
			fail(exists)
		}
		if resp.StatusCode != http.StatusCreated {
			fail("cannot create the database: %s", resp.Status)
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			fail("cannot create %s: %v", filepath.Dir(file), err)
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			fail("cannot create the database: %v", err)
		}
	}
	if failure != "" {
		fail("Error importing database: %s", failure)
	}
}

// copyFile copies from to to, for tests that compare bytes.
func copyFile(from, to string) {
	in, err := os.Open(from)
	if err != nil {
		fail("cannot open %s: %v", from, err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		fail("cannot create %s: %v", to, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		fail("cannot copy to %s: %v", to, err)
	}
	if err := out.Close(); err != nil {
		fail("cannot close %s: %v", to, err)
	}
}
