package sqlserver

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// doubleServer starts the SQL Server TEST DOUBLE (tests/doubles/sqlserver-double) on
// 127.0.0.1 with a state directory; it is built from source here.
func doubleServer(t *testing.T, password string) (Server, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "sqlserver-double")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join("..", "..", "..", "..", "tests", "doubles", "sqlserver-double")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the SQL Server double: %v\n%s", err, out)
	}
	state := filepath.Join(dir, "state")
	os.WriteFile(filepath.Join(dir, "password"), []byte(password), 0o600)
	cmd := exec.Command(bin, "-listen", "127.0.0.1:0", "-state", state, "-password-file", filepath.Join(dir, "password"))
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the double did not start: %v", err)
	}
	address := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	host, port, _ := strings.Cut(address, ":")
	n, _ := strconv.Atoi(port)
	return Server{Host: host, Port: n, User: "sa", Password: password, TrustCert: true}, state
}

func writeState(t *testing.T, state, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(state, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func context10s(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openDouble logs in to a fresh SQL Server TEST DOUBLE; the client closes with the test.
func openDouble(t *testing.T, password string) (*Client, string, context.Context) {
	t.Helper()
	server, state := doubleServer(t, password)
	ctx := context10s(t)
	c, err := Open(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, state, ctx
}

func TestLogsInOverTLSAndRunsEveryDrillStatementAgainstTheSQLServerTestDouble(t *testing.T) {
	c, state, ctx := openDouble(t, "p@ss'w]rd;x=1")
	writeState(t, state, "databases/Orders_drill_1.json", `{"tables": 4, "rows": 5120}`)
	if ok, err := c.Exists(ctx, "Orders_drill_1"); err != nil || !ok {
		t.Fatalf("exists: %v %v", ok, err)
	}
	if ok, err := c.Exists(ctx, "Orders_drill_2"); err != nil || ok {
		t.Fatalf("a database that is not there: %v %v", ok, err)
	}
	if err := c.CheckDB(ctx, "Orders_drill_1"); err != nil {
		t.Fatalf("checkdb: %v", err)
	}
	got, err := c.Totals(ctx, "Orders_drill_1")
	if err != nil || got != (Totals{Tables: 4, Rows: 5120}) {
		t.Fatalf("totals: %+v %v", got, err)
	}
	if err := c.Drop(ctx, "Orders_drill_1"); err != nil {
		t.Fatalf("drop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(state, "databases/Orders_drill_1.json")); !os.IsNotExist(err) {
		t.Fatalf("the database is still there: %v", err)
	}
}

func TestCheckDBErrorsComeBackAsACheckErrorWithEveryMessage(t *testing.T) {
	c, state, ctx := openDouble(t, "secret")
	writeState(t, state, "databases/D.json", `{"tables": 1, "rows": 1}`)
	writeState(t, state, "control.json", `{"checkdbErrors": ["Table error: page (1:153) could not be processed.", "CHECKDB found 0 allocation errors and 1 consistency errors in database 'D'."]}`)
	err := c.CheckDB(ctx, "D")
	var check *CheckError
	if !errors.As(err, &check) || len(check.Messages) != 2 || !strings.Contains(check.Messages[0], "Msg 8928, Level 16: Table error") {
		t.Fatalf("got %v", err)
	}
	if err := c.CheckDB(ctx, "Missing"); err == nil || !strings.Contains(err.Error(), "Could not find database 'Missing'") {
		t.Fatalf("a missing database: %v", err)
	}
}

func TestAWrongPasswordIsALoginFailureThatNeverShowsThePassword(t *testing.T) {
	server, _ := doubleServer(t, "right")
	server.Password = "wrong-and-secret"
	_, err := Open(context10s(t), server)
	if err == nil || !strings.Contains(err.Error(), "Login failed for user 'sa'") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "wrong-and-secret") {
		t.Fatalf("the password is in the error: %v", err)
	}
}

func TestAKilledConnectionIsAnErrorNotACorruption(t *testing.T) {
	c, state, ctx := openDouble(t, "secret")
	writeState(t, state, "databases/D.json", `{"tables": 1, "rows": 1}`)
	writeState(t, state, "control.json", `{"killOn": "DBCC"}`)
	err := c.CheckDB(ctx, "D")
	var check *CheckError
	if err == nil || errors.As(err, &check) || !strings.Contains(err.Error(), "did not complete") {
		t.Fatalf("got %v", err)
	}
}

func TestQuoteNameDoublesTheClosingBracket(t *testing.T) {
	if got := QuoteName("a]b"); got != "[a]]b]" {
		t.Fatal(got)
	}
}
