// Command pulumi-sdkgen generates SDKs from a Pulumi package schema with the Pulumi
// CLI's own code generators (pkg/codegen/go and pkg/codegen/python, the code
// `pulumi package gen-sdk` runs through the Go and Python language plugins, which are
// not served by the Go module proxy), at the CLI's pinned version.
//
//	pulumi-sdkgen <schema.json> <out dir> <language>...   (go, python)
//
// Each language is written to <out dir>/<language>. Exit 1 with the binder's
// diagnostics when the schema does not bind, 2 on usage errors.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-sdkgen"

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-sdkgen <schema.json> <out dir> <language>...")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3:]); err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-sdkgen:", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string, languages []string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, selfContained{}, schema.ValidationOptions{})
	if err != nil {
		return fmt.Errorf("binding %s: %w", schemaPath, err)
	}
	if diags.HasErrors() {
		return fmt.Errorf("binding %s: %s", schemaPath, diags.Error())
	}
	for _, language := range languages {
		var files map[string][]byte
		switch language {
		case "go":
			files, err = gogen.GeneratePackage(tool, pkg, nil)
		case "python":
			files, err = pygen.GeneratePackage(tool, pkg, nil, selfContained{})
		default:
			return fmt.Errorf("language %q: this tool generates go and python", language)
		}
		if err != nil {
			return fmt.Errorf("generating the %s SDK: %w", language, err)
		}
		if err := write(filepath.Join(out, language), files); err != nil {
			return err
		}
	}
	return nil
}

// selfContained is the loader of a schema that refers to no other package: this
// package's schema must not (a reference would make every SDK depend on another
// provider's SDK), so any load is an error naming the package.
type selfContained struct{}

// ExternalReferenceError names the package a schema referred to.
type ExternalReferenceError struct{ Package string }

func (e *ExternalReferenceError) Error() string {
	return fmt.Sprintf("the schema refers to package %q; it must be self-contained", e.Package)
}

func (selfContained) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, &ExternalReferenceError{Package: name}
}

func (selfContained) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, &ExternalReferenceError{Package: d.Name}
}

func (selfContained) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, &ExternalReferenceError{Package: name}
}

func (selfContained) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, &ExternalReferenceError{Package: d.Name}
}

func write(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
