package kube

import (
	"fmt"
	"sort"
	"time"
)

// startFailures are the reasons a container waits that no waiting fixes: the image
// cannot be pulled or the container cannot be created. Kubernetes keeps such a pod
// Pending (and its Job active) until the Job's deadline, hours later
// (kubernetes/kubernetes#122300); nothing in the Job API fails it sooner.
var startFailures = map[string]bool{
	"ErrImagePull":               true,
	"ImagePullBackOff":           true,
	"InvalidImageName":           true,
	"ErrImageNeverPull":          true,
	"CreateContainerConfigError": true,
	"CreateContainerError":       true,
}

// Stuck is a Job whose pod cannot start.
type Stuck struct {
	Job    string
	Pod    string
	Reason string
}

// StuckJobs are the Jobs of pods that have been Pending for longer than after with a
// container that cannot start, one entry per Job, sorted.
func StuckJobs(pods []Pod, now time.Time, after time.Duration) []Stuck {
	seen := map[string]Stuck{}
	for _, p := range pods {
		job := p.Job()
		if job == "" || p.Status.Phase != "Pending" || now.Sub(p.Metadata.CreationTimestamp) < after {
			continue
		}
		for _, c := range p.Status.ContainerStatuses {
			if w := c.State.Waiting; w != nil && startFailures[w.Reason] {
				seen[job] = Stuck{Job: job, Pod: p.Metadata.Name, Reason: fmt.Sprintf("pod %s could not start for %s: %s: %s", p.Metadata.Name, now.Sub(p.Metadata.CreationTimestamp).Round(time.Second), w.Reason, w.Message)}
			}
		}
	}
	out := make([]Stuck, 0, len(seen))
	for _, s := range seen {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Job < out[j].Job })
	return out
}
