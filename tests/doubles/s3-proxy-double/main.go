// s3-proxy-double is a TEST DOUBLE of an S3 server with faults, not an S3 server: a
// reverse proxy in front of a real one (MinIO in the integration tier) that can
//
//   - ignore If-None-Match on PutObject, as SeaweedFS before 3.97 and versitygw before
//     1.2 do (seaweedfs/seaweedfs#7153, versity/versitygw#1708): it drops the header and
//     signs the request again with the caller's keys, so the real server overwrites;
//   - answer 503 SlowDown, for a while, to the requests a pattern matches (an outage);
//   - slow request bodies down (an upload in progress long enough to be killed);
//   - lose a response: pass a request on, then answer the client 500 as if the reply
//     never came (the SDK retries what already happened).
//
// Everything else is passed through untouched (the Host header too, so signatures made
// for the proxy's address verify upstream). The faults are switched at run time:
//
//	POST /__double/fail?match=<regexp over "METHOD /path?query">&seconds=N
//	POST /__double/throttle?bytesPerSecond=N      (0: off)
//	POST /__double/lose?match=<regexp>&times=N
//	POST /__double/ignore-if-none-match?on=true|false
//	GET  /__double/log                            the requests seen, one per line
//
// Usage: s3-proxy-double -listen 127.0.0.1:PORT -upstream http://127.0.0.1:9000
// -keys ACCESS=SECRET[,ACCESS=SECRET...] [-ignore-if-none-match]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

type faults struct {
	mu             sync.Mutex
	ignoreINM      bool
	failMatch      *regexp.Regexp
	failUntil      time.Time
	bytesPerSecond int64
	loseMatch      *regexp.Regexp
	loseTimes      int
	seen           []string
}

// losing reports (and counts) a request whose response is to be lost.
func (f *faults) losing(line string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.loseMatch == nil || f.loseTimes <= 0 || !f.loseMatch.MatchString(line) {
		return false
	}
	f.loseTimes--
	return true
}

func (f *faults) failing(line string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failMatch != nil && time.Now().Before(f.failUntil) && f.failMatch.MatchString(line)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	upstream := flag.String("upstream", "", "the real S3 server's URL")
	keys := flag.String("keys", "", "ACCESS=SECRET pairs, comma-separated, to sign again with")
	ignore := flag.Bool("ignore-if-none-match", false, "drop If-None-Match from PutObject")
	flag.Parse()
	target, err := url.Parse(*upstream)
	if err != nil || target.Host == "" {
		log.Fatalf("-upstream must be a URL: %q", *upstream)
	}
	secrets := map[string]string{}
	for _, pair := range strings.Split(*keys, ",") {
		if access, secret, ok := strings.Cut(pair, "="); ok {
			secrets[access] = secret
		}
	}
	f := &faults{ignoreINM: *ignore}
	proxy := httputil.NewSingleHostReverseProxy(target)
	base := proxy.Director
	proxy.Director = func(r *http.Request) {
		host := r.Host
		base(r)
		r.Host = host // signed by the client: keep it
	}
	proxy.FlushInterval = -1
	http.HandleFunc("/__double/", f.control)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		line := r.Method + " " + r.URL.RequestURI()
		f.mu.Lock()
		f.seen = append(f.seen, line+headerNote(r))
		ignoreINM, rate := f.ignoreINM, f.bytesPerSecond
		f.mu.Unlock()
		if f.failing(line) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate (s3-proxy-double outage).</Message></Error>`)
			return
		}
		if ignoreINM && r.Method == http.MethodPut && r.Header.Get("If-None-Match") != "" {
			r.Header.Del("If-None-Match")
			if err := resign(r, secrets); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
		}
		if rate > 0 && r.Body != nil {
			r.Body = &slowBody{r: r.Body, rate: rate}
		}
		if f.losing(line) {
			proxy.ServeHTTP(httptest.NewRecorder(), r)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>s3-proxy-double lost the response.</Message></Error>`)
			return
		}
		proxy.ServeHTTP(w, r)
	})
	log.Printf("s3-proxy-double listening on %s, upstream %s", *listen, target)
	log.Fatal(http.ListenAndServe(*listen, nil))
}

func headerNote(r *http.Request) string {
	if v := r.Header.Get("If-None-Match"); v != "" {
		return " If-None-Match:" + v
	}
	return ""
}

func (f *faults) control(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	switch strings.TrimPrefix(r.URL.Path, "/__double/") {
	case "fail":
		re, err := regexp.Compile(q.Get("match"))
		seconds, _ := strconv.Atoi(q.Get("seconds"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.failMatch, f.failUntil = re, time.Now().Add(time.Duration(seconds)*time.Second)
	case "lose":
		re, err := regexp.Compile(q.Get("match"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.loseMatch = re
		f.loseTimes, _ = strconv.Atoi(q.Get("times"))
	case "throttle":
		f.bytesPerSecond, _ = strconv.ParseInt(q.Get("bytesPerSecond"), 10, 64)
	case "ignore-if-none-match":
		f.ignoreINM = q.Get("on") == "true"
	case "log":
		fmt.Fprintln(w, strings.Join(f.seen, "\n"))
		return
	default:
		http.NotFound(w, r)
		return
	}
	fmt.Fprintln(w, "ok")
}

var credential = regexp.MustCompile(`Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request`)

// resign signs the request again, as the client did, without the dropped header.
func resign(r *http.Request, secrets map[string]string) error {
	m := credential.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return fmt.Errorf("s3-proxy-double: no SigV4 credential in the request")
	}
	secret, ok := secrets[m[1]]
	if !ok {
		return fmt.Errorf("s3-proxy-double: no secret for access key %s", m[1])
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("s3-proxy-double: X-Amz-Date: %v", err)
	}
	r.Header.Del("Authorization")
	signed := r.Clone(context.Background())
	signed.URL.Host, signed.URL.Scheme = r.Host, "http"
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: m[1], SecretAccessKey: secret}
	if err := signer.SignHTTP(context.Background(), creds, signed, r.Header.Get("X-Amz-Content-Sha256"), m[4], m[3], when); err != nil {
		return err
	}
	r.Header.Set("Authorization", signed.Header.Get("Authorization"))
	return nil
}

// slowBody passes a request body on at a rate.
type slowBody struct {
	r    io.ReadCloser
	rate int64
}

func (s *slowBody) Read(p []byte) (int, error) {
	if int64(len(p)) > s.rate/10+1 {
		p = p[:s.rate/10+1]
	}
	n, err := s.r.Read(p)
	time.Sleep(time.Duration(float64(n) / float64(s.rate) * float64(time.Second)))
	return n, err
}

func (s *slowBody) Close() error { return s.r.Close() }
