//go:build tools

// Package tools pins what the provider's command (main.go) and its generate step
// (generate.go) import, so `go mod tidy` keeps every module they need in go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
