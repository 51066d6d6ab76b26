#!/usr/bin/env bash
# Builds the real programs the integration and engine tiers run, from pinned Go
# modules through the Go module proxy:
#
#   integration  minio, mc                      `go install` at pinned versions (MinIO's
#                                               documented way to build from source; mc is
#                                               only a test-side admin tool, never in the image)
#                versitygw                      Versity's S3 gateway: the second, maintained
#                                               S3 server for bring-your-own storage
#                registry                       CNCF Distribution: a real image registry for
#                                               the push-and-pin-by-digest test
#                promtool                       Prometheus' rule checker: the shipped alert rules'
#                                               unit tests (alerts/)
#   engine       pulumi                         the Pulumi CLI          (scripts/go-tools/pulumi)
#                pulumi-resource-kubernetes     Pulumi's Kubernetes provider (scripts/go-tools/pulumi-kubernetes)
#                kube-apiserver, kube-controller-manager, kubectl     (scripts/go-tools/kubernetes)
#                etcd                                                 (scripts/go-tools/etcd)
#                engine-verdict                 robfig/cron v3, Go's time zones and Kubernetes'
#                                               name rules as the engines apply them (tests/engine/verdict)
#                pulumi-sdkgen                  the Go and Python SDKs from schema.json with the CLI's
#                                               code generators (scripts/go-tools/pulumi-sdkgen)
#   node         kubelet, kube-scheduler        a real node for the engine tier (scripts/go-tools/kubernetes)
#                containerd, containerd-shim-runc-v2, ctr   `go install` (CGO off)
#                runc                           `go install` with cgo and Debian's libseccomp-dev
#                pause                          Kubernetes' own build/pause/linux/pause.c, static
#                                               (the sandbox image; no registry is reachable)
#
# The upstream go.mod files of the engine tools carry replace directives, so `go
# install` refuses them; the small wrapper modules under scripts/go-tools require the
# upstream module at a pinned version instead (their go.sum pins every dependency).
#
# The control plane, the Pulumi CLI and its provider, the gateways and the node's programs
# build without optimisation (`-gcflags=all=-N -l -dwarf=false`): the same code and behaviour, about a
# third less compile time cold (versitygw, 2026-12-04: 112 s optimised, 78 s not). MinIO
# and mc are the exception: the bench times restores against `mc cp` from this MinIO, so
# the data path stays as upstream builds it. None of them compiles debugging information
# (`-dwarf=false`): the linker's `-s -w` drops it anyway, and not generating it takes
# about 15 % off the compile (k8s.io/api and client-go's core client, 2026-12-05: 75 s
# with it, 63 s without). A build of the same version left in the cache from before is
# kept (the cache key is the version, not the flags).
#
# Binaries are cached outside the clone, in <cache>/<tool>/<version>[-<hash of the
# wrapper module>], so CI on the same machine reuses them:
#   ${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sqlserver-backup/tools}
# `bin/` there links the versions this checkout pins; builds of other versions are
# removed. Cold (empty module and build caches, 2 cores, measured 2026-12-01): minio
# 3 min, mc 0.5 min, versitygw 2 min, registry 1 min, engine-verdict 0.2 min, etcd
# 0.7 min, Kubernetes 7 min, the Pulumi CLI 5 min, the provider 13 min: about half
# an hour. Cached: seconds.
#
#   scripts/install-tools.sh [integration|engine|control-plane|node|TOOL...]  (default: all)
#
# engine is control-plane (the Pulumi CLI and provider, pulumi-sdkgen, etcd,
# engine-verdict and every Kubernetes binary, kubelet and scheduler included) and node
# (containerd, runc, pause).
set -euo pipefail

# Pseudo-versions: neither MinIO module publishes semver tags on the proxy.
readonly MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
readonly MC_VERSION="v0.0.0-20250313080218-cf909e1063a9"
readonly PULUMI_VERSION="v3.274.1"
readonly PULUMI_KUBERNETES_VERSION="4.25.0"
readonly KUBERNETES_VERSION="v1.37.2"
readonly ETCD_VERSION="v3.6.16"
readonly VERSITYGW_VERSION="v1.8.0"
readonly REGISTRY_VERSION="v3.1.2"
# Prometheus' Go module versions are v0.<minor>.<patch> (v0.316.0 is Prometheus 3.16.0).
readonly PROMETHEUS_VERSION="v0.316.0"
# containerd's support matrix names 2.4 for Kubernetes 1.37; runc 1.5 still runs cgroup v1.
readonly CONTAINERD_VERSION="v2.4.2"
readonly RUNC_VERSION="v1.5.2"
# Test tools only, never shipped: compile them unoptimised (see above).
readonly FAST_COMPILE="all=-N -l -dwarf=false"
# MinIO and mc: optimised as upstream builds them (see above), without debugging information.
readonly UPSTREAM_COMPILE="all=-dwarf=false"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
go_tools="$repo_root/scripts/go-tools"
cache="${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sqlserver-backup/tools}"
mkdir -p "$cache/bin"

log() { printf '%s install-tools: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# build_dir NAME VERSION [MODULE_DIR]: where a build of NAME lives, <cache>/<NAME>/<key>:
# its version plus a hash of the wrapper module's files, so a change to the pins
# builds anew.
build_dir() {
    local name="$1" version="$2" module_dir="${3:-}" hash=""
    if [[ -n "$module_dir" ]]; then
        hash="-$(cat "$module_dir"/go.mod "$module_dir"/go.sum "$module_dir"/*.go | sha256sum | cut -c1-12)"
    fi
    printf '%s/%s/%s%s' "$cache" "$name" "$version" "$hash"
}

# built DIR NAME...: true when every NAME was already built into DIR.
built() {
    local dir="$1" name
    shift
    [[ -f "$dir/.complete" ]] || return 1
    for name in "$@"; do [[ -x "$dir/$name" ]] || return 1; done
}

# link DIR NAME...: points bin/NAME at DIR/NAME, and removes the tool's other builds.
link() {
    local dir="$1" other name
    shift
    for name in "$@"; do ln -sfn "$dir/$name" "$cache/bin/$name"; done
    for other in "${dir%/*}"/*; do
        [[ "$other" == "$dir" ]] || rm -rf "$other"
    done
}

# module_dir WORK MODULE: the module cache directory of MODULE as WORK's go.mod pins
# it, downloaded first: `go list -m -f '{{.Dir}}'` prints nothing for a module not yet
# in the cache (a cold machine), and a path built on that empty answer points at /.
module_dir() {
    local work="$1" module="$2" dir
    dir="$(cd "$work" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
    if [[ -z "$dir" || ! -d "$dir" ]]; then
        log "could not download $module for $work (go mod download printed no directory)"
        return 1
    fi
    printf '%s' "$dir"
}

# go_build MODULE_DIR OUT LDFLAGS PACKAGE...: OUT is a file, or a directory ending in /
# for several main packages.
go_build() {
    local module_dir="$1" out="$2" ldflags="$3"
    shift 3
    (cd "$module_dir" && CGO_ENABLED=0 go build -mod=readonly -trimpath -gcflags "$FAST_COMPILE" -ldflags "-s -w $ldflags" -o "$out" "$@")
}

# go_install NAME MODULE VERSION [GCFLAGS [TAGS]]: `go install MODULE@VERSION` (a
# module without replace directives), unoptimised unless GCFLAGS says otherwise.
go_install() {
    local name="$1" module="$2" version="$3" gcflags="${4-$FAST_COMPILE}" tags="${5:-}" dir
    dir="$(build_dir "$name" "$version")"
    if ! built "$dir" "$name"; then
        log "building $name from $module@$version"
        mkdir -p "$dir"
        GOBIN="$dir" go install -trimpath -gcflags "$gcflags" -tags "$tags" -ldflags "-s -w" "$module@$version"
        touch "$dir/.complete"
    fi
    link "$dir" "$name"
}

# wrapped NAME VERSION MODULE_DIR LDFLAGS: builds the main package of a wrapper module.
wrapped() {
    local name="$1" version="$2" module="$3" ldflags="$4" dir
    dir="$(build_dir "$name" "$version" "$module")"
    if ! built "$dir" "$name"; then
        log "building $name $version"
        mkdir -p "$dir"
        go_build "$module" "$dir/$name" "$ldflags" .
        touch "$dir/.complete"
    fi
    link "$dir" "$name"
}

build_pulumi() {
    local module="$go_tools/pulumi" dir
    dir="$(build_dir pulumi "$PULUMI_VERSION" "$module")"
    if ! built "$dir" pulumi; then
        log "building the Pulumi CLI $PULUMI_VERSION (about 5 min cold)"
        mkdir -p "$dir"
        # Without the version the CLI prints none, and the Automation API refuses it.
        go_build "$module" "$dir/pulumi" "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
            github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
        touch "$dir/.complete"
    fi
    link "$dir" pulumi
}

build_pulumi_kubernetes() {
    local module="$go_tools/pulumi-kubernetes" dir src work
    dir="$(build_dir pulumi-kubernetes "$PULUMI_KUBERNETES_VERSION" "$module")"
    if ! built "$dir" pulumi-resource-kubernetes; then
        log "building the Kubernetes provider $PULUMI_KUBERNETES_VERSION (about 13 min cold)"
        mkdir -p "$dir"
        # The command embeds schema-embed.json and terraform-mapping-embed.json, which
        # upstream's generate step (its generate.go) writes from the shipped schema.json
        # and terraform-mapping.json. In a scratch copy of the wrapper module: copy the
        # command's directory from the module cache, run that step, build.
        work="$(mktemp -d)"
        cp "$module/go.mod" "$module/go.sum" "$module/tools.go" "$work/"
        src="$(module_dir "$work" github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
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
    link "$dir" pulumi-resource-kubernetes
}

build_kubernetes() {
    local module="$go_tools/kubernetes" dir minor ldflags name pkg v="${KUBERNETES_VERSION#v}"
    local -a names=(kube-apiserver kube-controller-manager kubectl kube-scheduler kubelet)
    dir="$(build_dir kubernetes "$KUBERNETES_VERSION" "$module")"
    if ! built "$dir" "${names[@]}"; then
        log "building kube-apiserver, kube-controller-manager, kubectl, kube-scheduler and kubelet $KUBERNETES_VERSION (about 10 min cold)"
        mkdir -p "$dir"
        minor="$(cut -d. -f2 <<<"$v")"
        # Without these the binaries report v0.0.0-master and `kubectl version` fails.
        ldflags=""
        for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
            ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
            ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
        done
        # One `go build` for all five: it compiles their shared packages once, in one
        # graph that keeps both cores busy, and links the binaries side by side.
        go_build "$module" "$dir/" "$ldflags" "${names[@]/#/k8s.io/kubernetes/cmd/}"
        touch "$dir/.complete"
    fi
    link "$dir" "${names[@]}"
}

# build_containerd: containerd, its runc shim and ctr (no cgo; no replace directives upstream).
build_containerd() {
    local dir
    dir="$(build_dir containerd "$CONTAINERD_VERSION")"
    if ! built "$dir" containerd containerd-shim-runc-v2 ctr; then
        log "building containerd $CONTAINERD_VERSION (about 2 min cold)"
        mkdir -p "$dir"
        GOBIN="$dir" CGO_ENABLED=0 go install -trimpath -gcflags "$FAST_COMPILE" \
            "github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_VERSION" \
            "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" \
            "github.com/containerd/containerd/v2/cmd/ctr@$CONTAINERD_VERSION"
        touch "$dir/.complete"
    fi
    link "$dir" containerd containerd-shim-runc-v2 ctr
}

# build_runc: runc with seccomp (cgo, Debian's libseccomp-dev); its default libpathrs
# tag needs a library Debian 12 does not ship, so the tags are named.
build_runc() {
    local dir
    dir="$(build_dir runc "$RUNC_VERSION")"
    if ! built "$dir" runc; then
        log "building runc $RUNC_VERSION (about 1 min cold)"
        mkdir -p "$dir"
        GOBIN="$dir" CGO_ENABLED=1 go install -trimpath -gcflags "$FAST_COMPILE" -tags "seccomp urfave_cli_no_docs" "github.com/opencontainers/runc@$RUNC_VERSION"
        touch "$dir/.complete"
    fi
    link "$dir" runc
}

# build_pause: the pod sandbox's process, compiled from the pinned Kubernetes module's
# own source, statically (the node helper packs it as the sandbox image).
build_pause() {
    local module="$go_tools/kubernetes" dir src
    dir="$(build_dir pause "$KUBERNETES_VERSION")"
    if ! built "$dir" pause; then
        log "building the pause binary from k8s.io/kubernetes $KUBERNETES_VERSION"
        mkdir -p "$dir"
        src="$(module_dir "$module" k8s.io/kubernetes)/build/pause/linux/pause.c"
        gcc -Os -Wall -Werror -static -DVERSION="$KUBERNETES_VERSION" -o "$dir/pause" "$src"
        touch "$dir/.complete"
    fi
    link "$dir" pause
}

command -v go >/dev/null || {
    log "Go is required (https://go.dev/dl/); it builds every tool here from the Go module proxy."
    exit 1
}
# The engine tier in two parts, which CI builds side by side.
control_plane=(verdict etcd kubernetes pulumi pulumi-kubernetes sdkgen)
node=(containerd runc pause)
tools=("$@")
((${#tools[@]} > 0)) || tools=(integration engine)
for tool in "${tools[@]}"; do
    case "$tool" in
        integration) set -- minio mc versitygw registry promtool ;;
        engine) set -- "${control_plane[@]}" "${node[@]}" ;;
        control-plane) set -- "${control_plane[@]}" ;;
        node) set -- "${node[@]}" ;;
        *) set -- "$tool" ;;
    esac
    for one in "$@"; do
        case "$one" in
            minio) go_install minio github.com/minio/minio "$MINIO_VERSION" "$UPSTREAM_COMPILE" ;;
            mc) go_install mc github.com/minio/mc "$MC_VERSION" "$UPSTREAM_COMPILE" ;;
            versitygw) go_install versitygw github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION" ;;
            registry) go_install registry github.com/distribution/distribution/v3/cmd/registry "$REGISTRY_VERSION" ;;
            # remove_all_sd: Prometheus' documented tag that leaves out the optional service
            # discoveries (README, "Service discovery plugins"); rule tests need none of
            # them, and promtool compiles about a fifth fewer packages.
            promtool) go_install promtool github.com/prometheus/prometheus/cmd/promtool "$PROMETHEUS_VERSION" "$FAST_COMPILE" remove_all_sd ;;
            verdict) wrapped engine-verdict v1 "$repo_root/tests/engine/verdict" "" ;;
            etcd) wrapped etcd "$ETCD_VERSION" "$go_tools/etcd" "" ;;
            kubernetes) build_kubernetes ;;
            pulumi) build_pulumi ;;
            pulumi-kubernetes) build_pulumi_kubernetes ;;
            sdkgen) wrapped pulumi-sdkgen "$PULUMI_VERSION" "$go_tools/pulumi-sdkgen" "" ;;
            containerd) build_containerd ;;
            runc) build_runc ;;
            pause) build_pause ;;
            *)
                log "unknown tool '$one' (integration, engine, control-plane, node, or one of minio, mc, versitygw, registry, promtool, verdict, etcd, kubernetes, pulumi, pulumi-kubernetes, sdkgen, containerd, runc, pause)"
                exit 2
                ;;
        esac
    done
done
log "tools ready in $cache/bin"
