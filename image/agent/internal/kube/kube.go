// Package kube is the little of the Kubernetes API the agent uses from inside a pod:
// list its instance's pods, fail a Job, remove a Secret's key. It speaks REST with the
// pod's service account (token re-read on every request: bound tokens rotate) and
// the cluster's CA, so the agent carries no client library for three calls.
package kube

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ServiceAccountDir is where Kubernetes mounts a pod's service account credentials.
const ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// Client calls the API server.
type Client struct {
	// Base is the API server's URL, e.g. https://10.96.0.1:443.
	Base string
	// TokenFile is read on every request.
	TokenFile string
	HTTP      *http.Client
}

// InCluster is the client of a pod: the API server from KUBERNETES_SERVICE_HOST and
// _PORT, the service account's token and CA under dir.
func InCluster(dir string) (*Client, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, errors.New("not in a Kubernetes pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)")
	}
	pem, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("the pod has no service account credentials (automountServiceAccountToken): %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no certificate", filepath.Join(dir, "ca.crt"))
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return &Client{Base: "https://" + net.JoinHostPort(host, port), TokenFile: filepath.Join(dir, "token"), HTTP: &http.Client{Transport: transport, Timeout: 30 * time.Second}}, nil
}

// Namespace is the pod's own namespace.
func Namespace(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "namespace"))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}

// APIError is an answer other than 2xx.
type APIError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// NotFound reports an APIError 404.
func NotFound(err error) bool {
	var api *APIError
	return errors.As(err, &api) && api.Status == http.StatusNotFound
}

func (c *Client) do(ctx context.Context, method, path, contentType string, body []byte, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	token, err := os.ReadFile(c.TokenFile)
	if err != nil {
		return fmt.Errorf("cannot read the service account token: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode/100 != 2 {
		var status struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &status)
		if status.Message == "" {
			status.Message = http.StatusText(resp.StatusCode)
		}
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Message: status.Message}
	}
	if into != nil {
		return json.Unmarshal(data, into)
	}
	return nil
}

// Waiting is why a container is not running yet.
type Waiting struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// ContainerStatus is what the agent reads of a container's status.
type ContainerStatus struct {
	Name  string `json:"name"`
	State struct {
		Waiting *Waiting `json:"waiting,omitempty"`
	} `json:"state"`
}

// OwnerReference names an object's owner.
type OwnerReference struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Pod is what the agent reads of a pod.
type Pod struct {
	Metadata struct {
		Name              string           `json:"name"`
		CreationTimestamp time.Time        `json:"creationTimestamp"`
		OwnerReferences   []OwnerReference `json:"ownerReferences"`
	} `json:"metadata"`
	Status struct {
		Phase             string            `json:"phase"`
		ContainerStatuses []ContainerStatus `json:"containerStatuses"`
	} `json:"status"`
}

// Job is the pod's owning Job, or "".
func (p Pod) Job() string {
	for _, o := range p.Metadata.OwnerReferences {
		if o.Kind == "Job" {
			return o.Name
		}
	}
	return ""
}

// Pods lists the namespace's pods matching a label selector.
func (c *Client) Pods(ctx context.Context, namespace, selector string) ([]Pod, error) {
	var list struct {
		Items []Pod `json:"items"`
	}
	path := fmt.Sprintf("/api/v1/namespaces/%s/pods?labelSelector=%s", url.PathEscape(namespace), url.QueryEscape(selector))
	if err := c.do(ctx, http.MethodGet, path, "", nil, &list); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// FailJob ends a Job now: its active deadline is lowered to one second, so the Job
// controller fails it (DeadlineExceeded) and removes its pods; the annotation says why.
func (c *Client) FailJob(ctx context.Context, namespace, name, annotation, reason string) error {
	patch, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{annotation: reason}},
		"spec":     map[string]any{"activeDeadlineSeconds": 1},
	})
	path := fmt.Sprintf("/apis/batch/v1/namespaces/%s/jobs/%s", url.PathEscape(namespace), url.PathEscape(name))
	return c.do(ctx, http.MethodPatch, path, "application/merge-patch+json", patch, nil)
}

// RemoveSecretKey removes one key from a Secret (the object stays, so nothing that
// manages it creates it again); a Secret already gone is not an error.
func (c *Client) RemoveSecretKey(ctx context.Context, namespace, name, key string) error {
	patch, _ := json.Marshal(map[string]any{"data": map[string]any{key: nil}})
	path := fmt.Sprintf("/api/v1/namespaces/%s/secrets/%s", url.PathEscape(namespace), url.PathEscape(name))
	err := c.do(ctx, http.MethodPatch, path, "application/merge-patch+json", patch, nil)
	if NotFound(err) {
		return nil
	}
	return err
}
