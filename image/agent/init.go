package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// runAsInit runs the agent as a child of this process and does what an init does for
// it: forward SIGTERM and SIGINT (SIGHUP and SIGQUIT are not forwarded: a reload
// signal must never stop a backup halfway), and reap every orphan (a process whose parent died
// is handed to PID 1, and Go reaps only its own children), so no zombie collects in a
// container that runs for months. It exits with the child's status.
func runAsInit() int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlserver-backup-agent:", err)
		return 1
	}
	child := exec.Command(self, os.Args[1:]...)
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT)
	if err := child.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "sqlserver-backup-agent:", err)
		return 1
	}
	go func() {
		for s := range signals {
			if s == syscall.SIGHUP || s == syscall.SIGQUIT {
				fmt.Fprintf(os.Stderr, "sqlserver-backup-agent: %v ignored (stop the container with SIGTERM)\n", s)
				continue
			}
			_ = child.Process.Signal(s)
		}
	}()
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 1
		}
		if pid != child.Process.Pid {
			continue // an orphan, reaped
		}
		if status.Signaled() {
			return 128 + int(status.Signal())
		}
		return status.ExitStatus()
	}
}
