#!/usr/bin/env bash
# Builds the real engines of the engine tier (tests/engine) from pinned Go modules:
#   pulumi                      the Pulumi CLI            (scripts/go-tools/pulumi)
#   pulumi-resource-kubernetes  Pulumi's Kubernetes provider (scripts/go-tools/pulumi-kubernetes)
#   kube-apiserver, kube-controller-manager, kubectl      (scripts/go-tools/kubernetes)
#   etcd                                                  (scripts/go-tools/etcd)
#   engine-verdict              robfig/cron v3, Go's time zones and Kubernetes' name
#                               rules as the engines apply them (tests/engine/verdict)
#
# Each upstream go.mod carries replace directives, so `go install` refuses it; the
# small wrapper modules under scripts/go-tools require the upstream module at a pinned
# version instead (their go.sum pins every dependency).
#
# Binaries are cached outside the clone, keyed by tool, version and a hash of the
# wrapper module, so CI on the same machine reuses them:
#   ${ENGINE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sqlserver-backup/engine-tools}
# `bin/` there links the versions this checkout pins. Cold, on 2 cores: about 18 min
# (pulumi), 16 min (the provider), 7 min (Kubernetes), 1 min (etcd).
#
#   scripts/install-engine-tools.sh [TOOL...]     (default: all)
set -euo pipefail

readonly PULUMI_VERSION="v3.274.1"
readonly PULUMI_KUBERNETES_VERSION="4.25.0"
readonly KUBERNETES_VERSION="v1.37.2"
readonly ETCD_VERSION="v3.6.16"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
go_tools="$repo_root/scripts/go-tools"
cache="${ENGINE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sqlserver-backup/engine-tools}"
mkdir -p "$cache/bin"

log() { printf '%s install-engine-tools: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# The build directory of a tool: its version plus a hash of the wrapper module's
# files, so a change to the pins builds anew.
build_dir() {
    local name="$1" version="$2" module_dir="$3" hash
    hash="$(cat "$module_dir"/go.mod "$module_dir"/go.sum "$module_dir"/*.go | sha256sum | cut -c1-12)"
    printf '%s/%s-%s-%s' "$cache" "$name" "$version" "$hash"
}

# link NAME DIR: points bin/NAME at DIR/NAME.
link() {
    ln -sfn "$2/$1" "$cache/bin/$1"
}

# built DIR NAME...: true when every NAME was already built into DIR.
built() {
    local dir="$1" name
    shift
    [[ -f "$dir/.complete" ]] || return 1
    for name in "$@"; do [[ -x "$dir/$name" ]] || return 1; done
}

go_build() {
    local module_dir="$1" out="$2" ldflags="$3" package="$4"
    (cd "$module_dir" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w $ldflags" -o "$out" "$package")
}

build_pulumi() {
    local module="$go_tools/pulumi" dir
    dir="$(build_dir pulumi "$PULUMI_VERSION" "$module")"
    if ! built "$dir" pulumi; then
        log "building the Pulumi CLI $PULUMI_VERSION (about 18 min cold)"
        mkdir -p "$dir"
        # Without the version the CLI prints none, and the Automation API refuses it.
        go_build "$module" "$dir/pulumi" "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
            github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
        touch "$dir/.complete"
    fi
    link pulumi "$dir"
}

build_pulumi_kubernetes() {
    local module="$go_tools/pulumi-kubernetes" dir src work
    dir="$(build_dir pulumi-kubernetes "$PULUMI_KUBERNETES_VERSION" "$module")"
    if ! built "$dir" pulumi-resource-kubernetes; then
        log "building the Kubernetes provider $PULUMI_KUBERNETES_VERSION (about 16 min cold)"
        mkdir -p "$dir"
        # The command embeds schema-embed.json and terraform-mapping-embed.json, which
        # upstream's generate step (its generate.go) writes from the shipped schema.json
        # and terraform-mapping.json. In a scratch copy of the wrapper module: copy the
        # command's directory from the module cache, run that step, build.
        work="$(mktemp -d)"
        cp "$module/go.mod" "$module/go.sum" "$module/tools.go" "$work/"
        src="$(cd "$work" && go list -mod=readonly -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
        mkdir -p "$work/cmd/provider"
        cp "$src/main.go" "$src/generate.go" "$src/schema.json" "$src/terraform-mapping.json" "$work/cmd/provider/"
        chmod -R u+w "$work/cmd"
        (cd "$work/cmd/provider" && VERSION="$PULUMI_KUBERNETES_VERSION" go run -mod=readonly ./generate.go)
        go_build "$work" "$dir/pulumi-resource-kubernetes" \
            "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
            ./cmd/provider
        rm -rf "$work"
        touch "$dir/.complete"
    fi
    link pulumi-resource-kubernetes "$dir"
}

build_kubernetes() {
    local module="$go_tools/kubernetes" dir minor ldflags name v="${KUBERNETES_VERSION#v}"
    dir="$(build_dir kubernetes "$KUBERNETES_VERSION" "$module")"
    if ! built "$dir" kube-apiserver kube-controller-manager kubectl; then
        log "building kube-apiserver, kube-controller-manager and kubectl $KUBERNETES_VERSION (about 7 min cold)"
        mkdir -p "$dir"
        minor="$(cut -d. -f2 <<<"$v")"
        # Without these the binaries report v0.0.0-master and `kubectl version` fails.
        ldflags=""
        for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
            ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
            ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
        done
        for name in kube-apiserver kube-controller-manager kubectl; do
            go_build "$module" "$dir/$name" "$ldflags" "k8s.io/kubernetes/cmd/$name"
        done
        touch "$dir/.complete"
    fi
    for name in kube-apiserver kube-controller-manager kubectl; do link "$name" "$dir"; done
}

build_etcd() {
    local module="$go_tools/etcd" dir
    dir="$(build_dir etcd "$ETCD_VERSION" "$module")"
    if ! built "$dir" etcd; then
        log "building etcd $ETCD_VERSION (about 1 min cold)"
        mkdir -p "$dir"
        go_build "$module" "$dir/etcd" "" .
        touch "$dir/.complete"
    fi
    link etcd "$dir"
}

build_verdict() {
    local module="$repo_root/tests/engine/verdict" dir
    dir="$(build_dir engine-verdict v1 "$module")"
    if ! built "$dir" engine-verdict; then
        log "building engine-verdict"
        mkdir -p "$dir"
        go_build "$module" "$dir/engine-verdict" "" .
        touch "$dir/.complete"
    fi
    link engine-verdict "$dir"
}

command -v go >/dev/null || {
    log "Go is required (https://go.dev/dl/); it builds every tool here from the Go module proxy."
    exit 1
}
tools=("$@")
((${#tools[@]} > 0)) || tools=(verdict etcd kubernetes pulumi pulumi-kubernetes)
for tool in "${tools[@]}"; do
    case "$tool" in
        pulumi) build_pulumi ;;
        pulumi-kubernetes) build_pulumi_kubernetes ;;
        kubernetes) build_kubernetes ;;
        etcd) build_etcd ;;
        verdict) build_verdict ;;
        *)
            log "unknown tool '$tool' (pulumi, pulumi-kubernetes, kubernetes, etcd, verdict)"
            exit 2
            ;;
    esac
done
log "tools ready in $cache/bin"
