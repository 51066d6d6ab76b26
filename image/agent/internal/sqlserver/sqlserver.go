// Package sqlserver runs the few statements a restore drill needs against SQL Server,
// through Microsoft's Go driver (github.com/microsoft/go-mssqldb). The password stays
// in this process: it is never on a command line, in a log or in an error.
//
// Every statement is a plain batch with the database name quoted as SQL Server
// quotes it (QUOTENAME: brackets, a ] doubled; N'...' with a ' doubled), so nothing
// depends on parameters inside DBCC or DDL, which SQL Server does not take.
package sqlserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	mssql "github.com/microsoft/go-mssqldb"
)

// Server is where a drill restores: the login must be allowed to create a database.
type Server struct {
	Host     string
	Port     int
	User     string
	Password string
	// TrustCert accepts the server's certificate without checking it (a self-signed one).
	TrustCert bool
}

// Address is host,port as SQL Server's tools write it.
func (s Server) Address() string { return s.Host + "," + strconv.Itoa(s.Port) }

// Client is an open connection pool to master on one server.
type Client struct {
	db *sql.DB
}

// Open connects to master and checks the login. The connection is encrypted, as
// sqlpackage's is by default (Microsoft.Data.SqlClient 5: Encrypt=Mandatory).
func Open(ctx context.Context, s Server) (*Client, error) {
	query := url.Values{}
	query.Set("database", "master")
	query.Set("encrypt", "true")
	query.Set("TrustServerCertificate", strconv.FormatBool(s.TrustCert))
	query.Set("app name", "sqlserver-backup drill")
	query.Set("dial timeout", "15")
	dsn := url.URL{Scheme: "sqlserver", User: url.UserPassword(s.User, s.Password), Host: s.Host + ":" + strconv.Itoa(s.Port), RawQuery: query.Encode()}
	connector, err := mssql.NewConnector(dsn.String())
	if err != nil {
		return nil, fmt.Errorf("the connection settings for %s are not valid: %w", s.Address(), redact(err, s.Password))
	}
	db := sql.OpenDB(connector)
	// One statement at a time, on one session: a drill never needs more.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot log in to %s as %s: %w", s.Address(), s.User, redact(err, s.Password))
	}
	return &Client{db: db}, nil
}

// Close closes the connections.
func (c *Client) Close() error { return c.db.Close() }

// QuoteName quotes a database name as SQL Server's QUOTENAME does.
func QuoteName(name string) string { return "[" + strings.ReplaceAll(name, "]", "]]") + "]" }

// literal is an N'...' string literal.
func literal(s string) string { return "N'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Exists reports whether a database of that name is on the server.
func (c *Client) Exists(ctx context.Context, name string) (bool, error) {
	var n int
	err := c.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sys.databases WHERE name = "+literal(name)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("cannot look for database %s: %w", name, err)
	}
	return n > 0, nil
}

// CheckError is DBCC CHECKDB reporting a problem: each message as SQL Server gave it.
type CheckError struct {
	Database string
	Messages []string
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("DBCC CHECKDB found errors in %s: %s", e.Database, strings.Join(e.Messages, " | "))
}

// CheckDB runs DBCC CHECKDB on the database: only errors come back (NO_INFOMSGS),
// all of them (ALL_ERRORMSGS). A corruption it reports is a *CheckError; a failure
// to run it (a lost connection, a timeout) is another error.
func (c *Client) CheckDB(ctx context.Context, name string) error {
	_, err := c.db.ExecContext(ctx, "DBCC CHECKDB ("+literal(name)+") WITH NO_INFOMSGS, ALL_ERRORMSGS")
	if err == nil {
		return nil
	}
	var sqlErr mssql.Error
	if errors.As(err, &sqlErr) {
		all := sqlErr.All
		if len(all) == 0 {
			all = []mssql.Error{sqlErr}
		}
		check := &CheckError{Database: name}
		for _, e := range all {
			check.Messages = append(check.Messages, fmt.Sprintf("Msg %d, Level %d: %s", e.Number, e.Class, e.Message))
		}
		return check
	}
	return fmt.Errorf("DBCC CHECKDB on %s did not complete: %w", name, err)
}

// Totals are a database's user tables and the rows in them.
type Totals struct {
	Tables int64
	Rows   int64
}

// Totals counts the user tables of a database and their rows (heaps and clustered
// indexes of every partition: each row once), from its catalog views.
func (c *Client) Totals(ctx context.Context, name string) (Totals, error) {
	db := QuoteName(name)
	var t Totals
	err := c.db.QueryRowContext(ctx, "SELECT COUNT(DISTINCT t.object_id), COALESCE(SUM(CAST(p.rows AS bigint)), 0) FROM "+db+".sys.tables AS t "+
		"LEFT JOIN "+db+".sys.partitions AS p ON p.object_id = t.object_id AND p.index_id IN (0, 1) WHERE t.is_ms_shipped = 0").Scan(&t.Tables, &t.Rows)
	if err != nil {
		return Totals{}, fmt.Errorf("cannot count the tables and rows of %s: %w", name, err)
	}
	return t, nil
}

// Drop removes the database, closing its other sessions first; a database that is
// not there is no error.
func (c *Client) Drop(ctx context.Context, name string) error {
	db, lit := QuoteName(name), literal(name)
	_, err := c.db.ExecContext(ctx, "IF DB_ID("+lit+") IS NOT NULL BEGIN ALTER DATABASE "+db+" SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE "+db+"; END")
	if err != nil {
		return fmt.Errorf("cannot drop database %s: %w", name, err)
	}
	return nil
}

// redact keeps a password out of an error's text (a driver may echo its DSN).
func redact(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "[redacted]"))
}
