// sqlserver-double is a TEST DOUBLE of SQL Server's network side, used where SQL Server
// cannot run. It is not SQL Server: it speaks enough TDS 7.4 (pre-login, TLS inside
// TDS as SQL Server does it, LOGIN7, SQL batches) for Microsoft's Go driver to log in
// and run the few statements a restore drill sends, and it answers them from a state
// directory it shares with sqlpackage-double (whose Import creates a database there
// from the bacpac's Origin.xml):
//
//	<state>/databases/<name>.json   {"tables": N, "rows": N}: a database on this "server"
//	<state>/control.json            how to fail, read at every statement:
//	  {"checkdbErrors": ["msg", ...]}   DBCC CHECKDB reports these (Msg 8928, Level 16)
//	  {"rowsLost": N}                   the restored database has N rows fewer than its bacpac said
//	  {"killOn": "DBCC"}                close the connection when a batch contains this text
//	  {"dropFails": true}               DROP DATABASE fails (Msg 3702: in use)
//	<state>/batches.log             every batch received, one per line
//
// It fails where SQL Server fails: a wrong login (Msg 18456), an unknown database
// (Msg 2520 for DBCC, 911 otherwise), a statement it does not know (Msg 102).
//
//	sqlserver-double -listen 127.0.0.1:0 -state DIR [-user sa -password-file FILE] [-http ADDRESS]
//
// prints "listening on <address>" when it accepts connections. With -http it also takes
// PUT /databases/<name> {"tables": N, "rows": N} (409 when the database exists): how a
// sqlpackage double that cannot share the state directory (in a pod) creates one.
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf16"
)

// TDS packet types.
const (
	packBatch     = 0x01
	packReply     = 0x04
	packAttention = 0x06
	packLogin7    = 0x10
	packPrelogin  = 0x12
)

var (
	state    string
	user     string
	password string
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	flag.StringVar(&state, "state", "", "state directory shared with sqlpackage-double")
	flag.StringVar(&user, "user", "sa", "the login that may connect")
	passwordFile := flag.String("password-file", "", "file holding the login's password")
	httpAddress := flag.String("http", "", "also serve PUT /databases/<name> here")
	flag.Parse()
	if state == "" || *passwordFile == "" {
		fmt.Fprintln(os.Stderr, "sqlserver-double: -state and -password-file are required")
		os.Exit(2)
	}
	raw, err := os.ReadFile(*passwordFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlserver-double:", err)
		os.Exit(2)
	}
	password = strings.TrimRight(string(raw), "\r\n")
	os.MkdirAll(filepath.Join(state, "databases"), 0o755)
	config := &tls.Config{Certificates: []tls.Certificate{selfSigned()}, MaxVersion: tls.VersionTLS12}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlserver-double:", err)
		os.Exit(1)
	}
	if *httpAddress != "" {
		h, err := net.Listen("tcp", *httpAddress)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sqlserver-double:", err)
			os.Exit(1)
		}
		go http.Serve(h, http.HandlerFunc(createOverHTTP))
		fmt.Printf("http on %s\n", h.Addr())
	}
	fmt.Printf("listening on %s\n", l.Addr())
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go serve(c, config)
	}
}

// createOverHTTP creates a database as sqlpackage's import would: refused when it exists.
func createOverHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/databases/")
	if r.Method != http.MethodPut || name == "" || strings.ContainsAny(name, "/\\") {
		http.Error(w, "PUT /databases/<name>", http.StatusBadRequest)
		return
	}
	var d database
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if _, ok := lookup(name); ok {
		http.Error(w, "exists", http.StatusConflict)
		return
	}
	data, _ := json.Marshal(d)
	if err := os.WriteFile(databaseFile(name), data, 0o644); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// selfSigned is a certificate like the one SQL Server makes for itself at start.
func selfSigned() tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	template := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "SSL_Self_Signed_Fallback"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), DNSNames: []string{"localhost"}}
	der, _ := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// readPacket reads one TDS message (packets up to the end-of-message flag).
func readPacket(r io.Reader) (byte, []byte, error) {
	var payload []byte
	for {
		header := make([]byte, 8)
		if _, err := io.ReadFull(r, header); err != nil {
			return 0, nil, err
		}
		size := int(binary.BigEndian.Uint16(header[2:4]))
		if size < 8 {
			return 0, nil, errors.New("bad packet size")
		}
		body := make([]byte, size-8)
		if _, err := io.ReadFull(r, body); err != nil {
			return 0, nil, err
		}
		payload = append(payload, body...)
		if header[1]&0x01 != 0 {
			return header[0], payload, nil
		}
	}
}

// writePacket writes payload as one TDS message of packets of at most 4096 bytes.
func writePacket(w io.Writer, kind byte, payload []byte) error {
	id := byte(1)
	for {
		n := len(payload)
		if n > 4096-8 {
			n = 4096 - 8
		}
		status := byte(0)
		if n == len(payload) {
			status = 1
		}
		header := []byte{kind, status, 0, 0, 0, 0, id, 0}
		binary.BigEndian.PutUint16(header[2:4], uint16(n+8))
		if _, err := w.Write(append(header, payload[:n]...)); err != nil {
			return err
		}
		payload = payload[n:]
		id++
		if status == 1 {
			return nil
		}
	}
}

// handshakeConn carries TLS inside TDS pre-login packets while the handshake lasts, as
// SQL Server does (MS-TDS 3.2.5.2), then passes bytes through.
type handshakeConn struct {
	net.Conn
	handshaking bool
	in          bytes.Buffer
	out         bytes.Buffer
}

func (c *handshakeConn) Read(b []byte) (int, error) {
	if !c.handshaking {
		return c.Conn.Read(b)
	}
	if c.out.Len() > 0 {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	if c.in.Len() == 0 {
		_, payload, err := readPacket(c.Conn)
		if err != nil {
			return 0, err
		}
		c.in.Write(payload)
	}
	return c.in.Read(b)
}

func (c *handshakeConn) Write(b []byte) (int, error) {
	if !c.handshaking {
		return c.Conn.Write(b)
	}
	return c.out.Write(b)
}

func (c *handshakeConn) flush() error {
	err := writePacket(c.Conn, packPrelogin, c.out.Bytes())
	c.out.Reset()
	return err
}

func serve(raw net.Conn, config *tls.Config) {
	defer raw.Close()
	kind, _, err := readPacket(raw)
	if err != nil || kind != packPrelogin {
		return
	}
	// VERSION 16.0, ENCRYPTION on (required of every client: encrypt=true), INSTOPT, MARS off.
	options := []struct {
		token byte
		data  []byte
	}{{0x00, []byte{16, 0, 0x10, 0x9f, 0, 0}}, {0x01, []byte{0x01}}, {0x02, []byte{0}}, {0x04, []byte{0}}}
	var header, data bytes.Buffer
	offset := len(options)*5 + 1
	for _, o := range options {
		header.WriteByte(o.token)
		binary.Write(&header, binary.BigEndian, uint16(offset+data.Len()))
		binary.Write(&header, binary.BigEndian, uint16(len(o.data)))
		data.Write(o.data)
	}
	header.WriteByte(0xFF)
	if writePacket(raw, packReply, append(header.Bytes(), data.Bytes()...)) != nil {
		return
	}
	hc := &handshakeConn{Conn: raw, handshaking: true}
	conn := tls.Server(hc, config)
	if err := conn.Handshake(); err != nil {
		return
	}
	if hc.out.Len() > 0 && hc.flush() != nil {
		return
	}
	hc.handshaking = false

	kind, login, err := readPacket(conn)
	if err != nil || kind != packLogin7 {
		return
	}
	gotUser, gotPassword := loginField(login, 40, false), loginField(login, 44, true)
	if gotUser != user || gotPassword != password {
		reply(conn, errorToken(18456, 14, fmt.Sprintf("Login failed for user '%s'.", gotUser)), done(0x02, 0))
		return
	}
	reply(conn, loginAck(), done(0, 0))
	for {
		kind, payload, err := readPacket(conn)
		if err != nil {
			return
		}
		switch kind {
		case packAttention:
			reply(conn, done(0x20, 0))
		case packBatch:
			if len(payload) < 4 {
				return
			}
			skip := int(binary.LittleEndian.Uint32(payload[:4]))
			if skip > len(payload) {
				return
			}
			text := decodeUTF16(payload[skip:])
			logBatch(text)
			if c := readControl(); c.KillOn != "" && strings.Contains(text, c.KillOn) {
				return
			}
			reply(conn, answer(text)...)
		default:
			return
		}
	}
}

// loginField reads a LOGIN7 string at the offset/length pair at pos (a password is
// obfuscated: each byte's nibbles swapped, then XORed with 0xA5).
func loginField(login []byte, pos int, obfuscated bool) string {
	if len(login) < pos+4 {
		return ""
	}
	offset, chars := int(binary.LittleEndian.Uint16(login[pos:])), int(binary.LittleEndian.Uint16(login[pos+2:]))
	if offset+chars*2 > len(login) {
		return ""
	}
	b := append([]byte(nil), login[offset:offset+chars*2]...)
	if obfuscated {
		for i := range b {
			x := b[i] ^ 0xA5
			b[i] = x<<4 | x>>4
		}
	}
	return decodeUTF16(b)
}

func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func ucs2(s string) []byte {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s)) {
		binary.Write(&b, binary.LittleEndian, u)
	}
	return b.Bytes()
}

func reply(w io.Writer, tokens ...[]byte) {
	writePacket(w, packReply, bytes.Join(tokens, nil))
}

func loginAck() []byte {
	name := "Microsoft SQL Server"
	var body bytes.Buffer
	body.WriteByte(1)                                         // interface: SQL
	binary.Write(&body, binary.BigEndian, uint32(0x74000004)) // TDS 7.4
	body.WriteByte(byte(len(name)))
	body.Write(ucs2(name))
	body.Write([]byte{16, 0, 0x10, 0x9f})
	return append([]byte{0xAD, byte(body.Len()), byte(body.Len() >> 8)}, body.Bytes()...)
}

func done(status uint16, rows uint64) []byte {
	b := make([]byte, 13)
	b[0] = 0xFD
	binary.LittleEndian.PutUint16(b[1:], status)
	binary.LittleEndian.PutUint64(b[5:], rows)
	return b
}

func errorToken(number int32, class byte, message string) []byte {
	var body bytes.Buffer
	binary.Write(&body, binary.LittleEndian, number)
	body.WriteByte(1) // state
	body.WriteByte(class)
	binary.Write(&body, binary.LittleEndian, uint16(len(utf16.Encode([]rune(message)))))
	body.Write(ucs2(message))
	server := "sqlserver-double"
	body.WriteByte(byte(len(server)))
	body.Write(ucs2(server))
	body.WriteByte(0) // procedure
	binary.Write(&body, binary.LittleEndian, int32(1))
	return append([]byte{0xAA, byte(body.Len()), byte(body.Len() >> 8)}, body.Bytes()...)
}

// bigintRow is a result of bigint columns (INTNTYPE, 8 bytes) and one row.
func bigintRow(values ...int64) []byte {
	var b bytes.Buffer
	b.WriteByte(0x81)
	binary.Write(&b, binary.LittleEndian, uint16(len(values)))
	for range values {
		b.Write([]byte{0, 0, 0, 0}) // user type
		b.Write([]byte{0x01, 0x00}) // flags: nullable
		b.Write([]byte{0x26, 8})    // INTNTYPE, 8 bytes
		b.WriteByte(0)              // no column name
	}
	b.WriteByte(0xD1)
	for _, v := range values {
		b.WriteByte(8)
		binary.Write(&b, binary.LittleEndian, v)
	}
	return append(b.Bytes(), done(0x10, 1)...)
}

type control struct {
	CheckdbErrors []string `json:"checkdbErrors"`
	RowsLost      int64    `json:"rowsLost"`
	KillOn        string   `json:"killOn"`
	DropFails     bool     `json:"dropFails"`
}

func readControl() control {
	var c control
	if data, err := os.ReadFile(filepath.Join(state, "control.json")); err == nil {
		json.Unmarshal(data, &c)
	}
	return c
}

func logBatch(text string) {
	f, err := os.OpenFile(filepath.Join(state, "batches.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		fmt.Fprintln(f, strings.ReplaceAll(text, "\n", " "))
		f.Close()
	}
}

type database struct {
	Tables int64 `json:"tables"`
	Rows   int64 `json:"rows"`
}

var systemDatabases = map[string]bool{"master": true, "model": true, "msdb": true, "tempdb": true}

func databaseFile(name string) string { return filepath.Join(state, "databases", name+".json") }

func lookup(name string) (database, bool) {
	var d database
	data, err := os.ReadFile(databaseFile(name))
	if err != nil {
		return d, systemDatabases[strings.ToLower(name)]
	}
	return d, json.Unmarshal(data, &d) == nil
}

// The statements a drill sends (see image/agent/internal/sqlserver), and the driver's ping.
var (
	ping     = regexp.MustCompile(`(?i)^\s*select 1;?\s*$`)
	exists   = regexp.MustCompile(`^SELECT COUNT\(\*\) FROM sys\.databases WHERE name = N'((?:[^']|'')*)'$`)
	checkdb  = regexp.MustCompile(`^DBCC CHECKDB \(N'((?:[^']|'')*)'\) WITH NO_INFOMSGS, ALL_ERRORMSGS$`)
	totals   = regexp.MustCompile(`^SELECT COUNT\(DISTINCT t\.object_id\), COALESCE\(SUM\(CAST\(p\.rows AS bigint\)\), 0\) FROM \[((?:[^\]]|\]\])*)\]\.sys\.tables AS t `)
	dropOnce = regexp.MustCompile(`^IF DB_ID\(N'((?:[^']|'')*)'\) IS NOT NULL BEGIN ALTER DATABASE \[(?:[^\]]|\]\])*\] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE \[(?:[^\]]|\]\])*\]; END$`)
)

func answer(text string) [][]byte {
	c := readControl()
	unquote := func(s string) string { return strings.NewReplacer("''", "'", "]]", "]").Replace(s) }
	switch {
	case ping.MatchString(text):
		return [][]byte{bigintRow(1)}
	case exists.MatchString(text):
		_, ok := lookup(unquote(exists.FindStringSubmatch(text)[1]))
		n := int64(0)
		if ok {
			n = 1
		}
		return [][]byte{bigintRow(n)}
	case checkdb.MatchString(text):
		name := unquote(checkdb.FindStringSubmatch(text)[1])
		if _, ok := lookup(name); !ok {
			return [][]byte{errorToken(2520, 16, fmt.Sprintf("Could not find database '%s'. The database either does not exist, or was dropped before a statement tried to use it.", name)), done(0x02, 0)}
		}
		var out [][]byte
		for _, m := range c.CheckdbErrors {
			out = append(out, errorToken(8928, 16, m))
		}
		if len(out) > 0 {
			return append(out, done(0x02, 0))
		}
		return [][]byte{done(0, 0)}
	case totals.MatchString(text):
		name := unquote(totals.FindStringSubmatch(text)[1])
		d, ok := lookup(name)
		if !ok {
			return [][]byte{errorToken(911, 16, fmt.Sprintf("Database '%s' does not exist. Make sure that the name is entered correctly.", name)), done(0x02, 0)}
		}
		return [][]byte{bigintRow(d.Tables, d.Rows-c.RowsLost)}
	case dropOnce.MatchString(text):
		name := unquote(dropOnce.FindStringSubmatch(text)[1])
		if _, ok := lookup(name); ok && c.DropFails {
			return [][]byte{errorToken(3702, 16, fmt.Sprintf("Cannot drop database \"%s\" because it is currently in use.", name)), done(0x02, 0)}
		}
		os.Remove(databaseFile(name))
		return [][]byte{done(0, 0)}
	}
	near := strings.Fields(text)
	word := ""
	if len(near) > 0 {
		word = near[0]
	}
	return [][]byte{errorToken(102, 15, fmt.Sprintf("Incorrect syntax near '%s'.", word)), done(0x02, 0)}
}
