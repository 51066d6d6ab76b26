package backup

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/digest"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/gbconfig"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/logx"
	"github.com/sqlserver-backup/sqlserver-backup/image/agent/internal/shim"
)

// evidence is what one GoBackup run left behind.
type evidence struct {
	startErr error
	exitCode int
	// stopped: the run's context ended (shutdown grace over, or the bucket lease lost).
	stopped   bool
	stopCause error
	cause     string
	// errors GoBackup logged (known noise excluded), whatever its exit status.
	errors   []string
	handover *shim.Handover
	digest   *digest.Digest
	// exitedAt: when GoBackup exited; what follows is the agent's own cost.
	exitedAt  time.Time
	digestErr error
	bacpacs   []digest.Bacpac
}

// progressBar: pb's progress lines, which GoBackup writes during an upload.
var progressBar = regexp.MustCompile(`\[[=\->]*\]\s+\d+(\.\d+)?%`)

// maxLine bounds a line of GoBackup's output the agent keeps and logs.
const maxLine = 64 << 10

// perform runs `gobackup perform -m <model>` with a config file of its own (see
// gbconfig.RunConfig), in a working directory that outlives it (GoBackup chdirs into
// its temp dir and deletes it; a fresh process per run never inherits that), and
// hashes the archive the tar shim hands over while GoBackup uploads it.
func (r *Runner) perform(ctx context.Context, model gbconfig.Model, runDir string, log *logx.Logger) evidence {
	var ev evidence
	staging := r.Paths.Staging(model.Name)
	tmp := filepath.Join(staging, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		ev.startErr = err
		return ev
	}
	text, err := gbconfig.RunConfig(r.ConfigText, staging)
	if err != nil {
		ev.startErr = err
		return ev
	}
	configFile := filepath.Join(runDir, "gobackup.yml")
	if err := os.WriteFile(configFile, []byte(text), 0o600); err != nil {
		ev.startErr = err
		return ev
	}
	cmd := exec.Command(r.Paths.GoBackup, "perform", "--model", model.Name, "--config", configFile)
	cmd.Dir = r.Paths.Workdir
	cmd.Env = append(append([]string{}, r.ChildEnv...),
		"PATH="+r.Paths.ShimDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GOBACKUP_DIR="+r.Paths.GoBackupDir,
		// sqlpackage buffers table data in TMPDIR: on the volume, in the model's staging folder.
		"TMPDIR="+tmp,
		shim.RunDirEnv+"="+runDir,
		shim.LinkFromEnv+"="+r.Paths.Workdir,
		shim.LinkToEnv+"="+r.Paths.LocalCopies,
	)
	if r.Paths.CABundle != "" {
		cmd.Env = append(cmd.Env, "SSL_CERT_FILE="+r.Paths.CABundle)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	reader, writer, err := os.Pipe()
	if err != nil {
		ev.startErr = err
		return ev
	}
	cmd.Stdout, cmd.Stderr = writer, writer
	if err := cmd.Start(); err != nil {
		reader.Close()
		writer.Close()
		ev.startErr = err
		return ev
	}
	writer.Close()

	output := &Output{}
	outputDone := make(chan struct{})
	go func() {
		defer close(outputDone)
		r.forward(reader, output, log)
	}()

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var hashing sync.WaitGroup
	poll := time.NewTicker(200 * time.Millisecond)
	defer poll.Stop()
	var waitErr error
loop:
	for {
		select {
		case waitErr = <-exited:
			break loop
		case <-poll.C:
			if ev.handover == nil {
				r.takeHandover(runDir, &ev, &hashing)
			}
		case <-ctx.Done():
			ev.stopped, ev.stopCause = true, context.Cause(ctx)
			r.stop(cmd, exited, log, model.Name)
			waitErr = nil
			break loop
		}
	}
	ev.exitedAt = time.Now()
	<-outputDone
	reader.Close()
	if ev.handover == nil && !ev.stopped {
		r.takeHandover(runDir, &ev, &hashing)
	}
	hashing.Wait()
	ev.cause = r.Redactor.String(output.Cause())
	ev.errors = output.Errors()
	if waitErr != nil {
		var exit *exec.ExitError
		if errors.As(waitErr, &exit) {
			ev.exitCode = exit.ExitCode()
			if ev.exitCode < 0 {
				ev.exitCode = 128
			}
		} else {
			ev.exitCode = 1
		}
	}
	return ev
}

// takeHandover reads the tar shim's handover, once it is there, and starts hashing.
func (r *Runner) takeHandover(runDir string, ev *evidence, hashing *sync.WaitGroup) {
	data, err := os.ReadFile(filepath.Join(runDir, shim.HandoverFile))
	if err != nil {
		return
	}
	var h shim.Handover
	if err := json.Unmarshal(data, &h); err != nil {
		ev.digestErr = fmt.Errorf("the tar shim's handover is damaged: %v", err)
		ev.handover = &shim.Handover{Name: "(unknown)"}
		return
	}
	ev.handover = &h
	if h.Digest != nil {
		ev.digest, ev.bacpacs = h.Digest, h.Bacpacs
		return
	}
	hashing.Add(1)
	go func() {
		defer hashing.Done()
		d, err := digest.File(h.Link)
		if err != nil {
			ev.digestErr = err
			return
		}
		ev.digest = &d
		ev.bacpacs, _ = digest.Bacpacs(h.Link)
	}()
}

// forward passes GoBackup's output on, redacted, and keeps it for the cause. A line is
// redacted whole before it is cut to maxLine, so a cut never splits a secret.
func (r *Runner) forward(reader io.Reader, output *Output, log *logx.Logger) {
	buffered := bufio.NewReaderSize(reader, 64<<10)
	// Keep enough of a long line that any secret starting within maxLine is whole.
	keep := maxLine + r.Redactor.Longest()
	var line strings.Builder
	flush := func() {
		text := r.Redactor.String(line.String())
		line.Reset()
		if len(text) > maxLine {
			text = text[:maxLine] + " [line cut]"
		}
		if strings.TrimSpace(text) == "" || progressBar.MatchString(text) {
			return
		}
		output.Add(text)
		log.Raw(text)
	}
	for {
		b, err := buffered.ReadByte()
		if err != nil {
			flush()
			return
		}
		if b == '\n' || b == '\r' {
			flush()
			continue
		}
		if line.Len() < keep {
			line.WriteByte(b)
		}
	}
}

// stop ends GoBackup and its children (one process group): SIGTERM, then SIGKILL.
func (r *Runner) stop(cmd *exec.Cmd, exited <-chan error, log *logx.Logger, model string) {
	log.Warn("model %s: stopping GoBackup (process group %d)", model, cmd.Process.Pid)
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	grace := r.KillGrace
	if grace == 0 {
		grace = 10 * time.Second
	}
	select {
	case <-exited:
	case <-time.After(grace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}
