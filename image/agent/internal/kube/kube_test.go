package kube

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func pod(name, job, phase, reason string, age time.Duration, now time.Time) Pod {
	var p Pod
	p.Metadata.Name = name
	p.Metadata.CreationTimestamp = now.Add(-age)
	if job != "" {
		p.Metadata.OwnerReferences = []OwnerReference{{Kind: "Job", Name: job}}
	}
	p.Status.Phase = phase
	if reason != "" {
		var c ContainerStatus
		c.State.Waiting = &Waiting{Reason: reason, Message: "detail"}
		p.Status.ContainerStatuses = []ContainerStatus{c}
	}
	return p
}

func TestOnlyPodsThatCannotStartForLongerThanTheDeadlineFailTheirJob(t *testing.T) {
	now := time.Now()
	got := StuckJobs([]Pod{
		pod("a", "job-a", "Pending", "ImagePullBackOff", 6*time.Minute, now),
		pod("b", "job-b", "Pending", "ImagePullBackOff", time.Minute, now),     // not long enough yet
		pod("c", "job-c", "Pending", "ContainerCreating", 10*time.Minute, now), // a slow start, not a failure
		pod("d", "job-d", "Running", "", 10*time.Minute, now),                  // running
		pod("e", "", "Pending", "ErrImagePull", 10*time.Minute, now),           // not a Job's
		pod("f", "job-f", "Pending", "CreateContainerConfigError", 7*time.Minute, now),
	}, now, 5*time.Minute)
	if len(got) != 2 || got[0].Job != "job-a" || got[1].Job != "job-f" || !strings.Contains(got[0].Reason, "ImagePullBackOff: detail") {
		t.Fatalf("got %+v", got)
	}
}

func TestTheClientListsPodsFailsJobsAndEmptiesSecretsWithTheServiceAccountToken(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "token"), []byte("tok-1\n"), 0o600)
	var seen []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+r.Header.Get("Content-Type")+" "+string(body))
		switch {
		case r.Method == http.MethodGet:
			json.NewEncoder(w).Encode(map[string]any{"items": []any{map[string]any{"metadata": map[string]any{"name": "p1"}}}})
		case r.Method == http.MethodPatch && strings.HasSuffix(r.URL.Path, "/gone"):
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"secrets \"gone\" not found"}`))
		case r.Method == http.MethodPatch && strings.HasSuffix(r.URL.Path, "/forbidden"):
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"message":"jobs.batch \"forbidden\" is forbidden"}`))
		}
	}))
	defer server.Close()
	c := &Client{Base: server.URL, TokenFile: filepath.Join(dir, "token"), HTTP: server.Client()}
	ctx := context.Background()
	pods, err := c.Pods(ctx, "backup", "app.kubernetes.io/instance=orders")
	if err != nil || len(pods) != 1 || pods[0].Metadata.Name != "p1" {
		t.Fatalf("pods %+v, %v", pods, err)
	}
	if err := c.FailJob(ctx, "backup", "orders-1", "sqlserver-backup.io/failed", "cannot pull"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveSecretKey(ctx, "backup", "gone", "RESTORE_TARGET_PASSWORD"); err != nil {
		t.Fatalf("a Secret already gone is not an error: %v", err)
	}
	err = c.FailJob(ctx, "backup", "forbidden", "a", "b")
	if err == nil || !strings.Contains(err.Error(), "403 jobs.batch \"forbidden\" is forbidden") {
		t.Fatalf("got %v", err)
	}
	want := []string{
		"GET /api/v1/namespaces/backup/pods?labelSelector=app.kubernetes.io%2Finstance%3Dorders Bearer tok-1  ",
		`PATCH /apis/batch/v1/namespaces/backup/jobs/orders-1 Bearer tok-1 application/merge-patch+json {"metadata":{"annotations":{"sqlserver-backup.io/failed":"cannot pull"}},"spec":{"activeDeadlineSeconds":1}}`,
		`PATCH /api/v1/namespaces/backup/secrets/gone Bearer tok-1 application/merge-patch+json {"data":{"RESTORE_TARGET_PASSWORD":null}}`,
	}
	for i, w := range want {
		if seen[i] != w {
			t.Fatalf("request %d:\n got %s\nwant %s", i, seen[i], w)
		}
	}
}
