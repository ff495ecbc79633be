#!/usr/bin/env bash
# Provides the shared liboqs that streams/oqs_backend.py loads, without network access beyond
# crates.io: the liboqs source comes from the `oqs-sys` crate, which vendors it.
#
#   bash scripts/build-liboqs.sh [CACHE_DIR]
#
# CACHE_DIR (or $QR_CACHE_DIR) defaults to .cache in the repository root; liboqs is installed
# into CACHE_DIR/liboqs, where the Python backend looks by default. If $OQS_INSTALL_PATH
# already holds lib/liboqs.so, that install is used and nothing is built. Re-running is cheap:
# an existing install built with the same settings is kept.
set -euo pipefail

OQS_SYS_VERSION="0.11.0"
LIBOQS_VERSION="0.13.0"
CRATE="oqs-sys-${OQS_SYS_VERSION}+liboqs-${LIBOQS_VERSION}"
# Only what streams.oqs_backend exposes: ML-DSA is ours (native module), KEMs are unused. liboqs
# 0.13 has no FIPS 205 SLH-DSA, only SPHINCS+ round 3.1 ("simple" instances).
ALGORITHMS="SIG_falcon_512;SIG_falcon_1024;SIG_sphincs_sha2_128f_simple;SIG_sphincs_sha2_128s_simple"

log() { printf '[build-liboqs] %s\n' "$*"; }
die() { printf '[build-liboqs] error: %s\n' "$*" >&2; exit 1; }
# Not `grep -q`: its early exit would make nm fail with SIGPIPE under pipefail.
exports_ctx_query() {
    nm -D --defined-only "$1" | grep ' OQS_SIG_supports_ctx_str$' >/dev/null
}

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${1:-${QR_CACHE_DIR:-$repo_root/.cache}}"
mkdir -p "$cache_dir"
cache_dir="$(cd "$cache_dir" && pwd -P)"
prefix="$cache_dir/liboqs"
stamp="$prefix/.qrstream-build"
# Part of the stamp, so that changing the version or the algorithm list rebuilds.
build_id="liboqs=$LIBOQS_VERSION crate=$CRATE algorithms=$ALGORITHMS openssl=off compat=supports_ctx_str"

# An OQS_INSTALL_PATH that names our own prefix (the Makefile exports it so) is no foreign
# install: the stamp check below decides whether it needs a rebuild.
if [[ -n "${OQS_INSTALL_PATH:-}" && "$(realpath -m "$OQS_INSTALL_PATH")" != "$prefix" ]]; then
    for lib in "$OQS_INSTALL_PATH/lib/liboqs.so" "$OQS_INSTALL_PATH/lib64/liboqs.so"; do
        [[ -f "$lib" ]] || continue
        log "using $lib from OQS_INSTALL_PATH; nothing to build"
        if command -v nm >/dev/null && ! exports_ctx_query "$lib"; then
            log "warning: $lib lacks OQS_SIG_supports_ctx_str, so liboqs-python 0.16 cannot" \
                "load it (a liboqs before 0.14); unset OQS_INSTALL_PATH to build one here"
        fi
        exit 0
    done
    # The Python backend reads OQS_INSTALL_PATH first, so a build elsewhere would go unseen.
    log "warning: OQS_INSTALL_PATH=$OQS_INSTALL_PATH has no lib/liboqs.so; building into" \
        "$prefix, so unset OQS_INSTALL_PATH or set it to $prefix"
fi

if [[ -f "$prefix/lib/liboqs.so" && -f "$stamp" && "$(cat "$stamp")" == "$build_id" ]]; then
    log "liboqs $LIBOQS_VERSION already installed in $prefix; nothing to do"
    exit 0
fi

for tool in cargo cmake cc; do
    command -v "$tool" >/dev/null || die "$tool not found; it is needed to build liboqs"
done
if command -v ninja >/dev/null; then
    generator="Ninja"
else
    log "ninja not found; falling back to make"
    generator="Unix Makefiles"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/qr-liboqs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cargo_home="${CARGO_HOME:-${HOME:?set HOME or CARGO_HOME}/.cargo}"
find_crate() {
    compgen -G "$cargo_home/registry/cache/*/$CRATE.crate" | head -n 1 || true
}
crate_file="$(find_crate)"
if [[ -z "$crate_file" ]]; then
    log "fetching $CRATE from crates.io with cargo"
    mkdir -p "$work/fetch/src"
    cat >"$work/fetch/Cargo.toml" <<EOF
[package]
name = "qrstream-liboqs-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
oqs-sys = { version = "=$OQS_SYS_VERSION", default-features = false }
EOF
    : >"$work/fetch/src/lib.rs"
    # Its own target dir and manifest: the repository's Cargo workspace is never touched.
    CARGO_TARGET_DIR="$work/fetch/target" cargo fetch --quiet \
        --manifest-path "$work/fetch/Cargo.toml"
    crate_file="$(find_crate)"
    [[ -n "$crate_file" ]] || die "cargo fetch did not leave $CRATE.crate in $cargo_home"
else
    log "using the cached crate $crate_file"
fi

log "unpacking $CRATE"
tar -xzf "$crate_file" -C "$work"
src="$work/$CRATE/liboqs"
[[ -f "$src/CMakeLists.txt" ]] || die "no liboqs source tree in $crate_file"
src_version="$(sed -nE \
    's/^set\(OQS_VERSION_(MAJOR|MINOR|PATCH) ([0-9]+)\)$/\2/p' "$src/CMakeLists.txt" | paste -sd.)"
[[ "$src_version" == "$LIBOQS_VERSION" ]] ||
    die "the crate holds liboqs $src_version, expected $LIBOQS_VERSION"

# liboqs-python 0.16 binds OQS_SIG_supports_ctx_str when it is imported, and liboqs only gained
# that function in 0.14: without it `import oqs` fails on 0.13. This is the same query written
# against the 0.13 API (the per-algorithm flag it already has), appended to sig.c.
if ! grep -q 'OQS_SIG_supports_ctx_str' "$src/src/sig/sig.c"; then
    log "adding OQS_SIG_supports_ctx_str (liboqs 0.14 API, needed by liboqs-python 0.16)"
    cat >>"$src/src/sig/sig.c" <<'EOF_C'

/* Added by qrstream's scripts/build-liboqs.sh: the liboqs 0.14 API that liboqs-python 0.16
 * needs, answered from the sig_with_ctx_support flag of liboqs 0.13. */
OQS_API bool OQS_SIG_supports_ctx_str(const char *method_name);
OQS_API bool OQS_SIG_supports_ctx_str(const char *method_name) {
	OQS_SIG *sig = OQS_SIG_new(method_name);
	if (sig == NULL) {
		return false;
	}
	bool supported = sig->sig_with_ctx_support;
	OQS_SIG_free(sig);
	return supported;
}
EOF_C
fi

log "configuring liboqs $src_version ($generator): $ALGORITHMS"
start=$SECONDS
cmake -S "$src" -B "$work/build" -G "$generator" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib \
    -DBUILD_SHARED_LIBS=ON \
    -DOQS_BUILD_ONLY_LIB=ON \
    -DOQS_USE_OPENSSL=OFF \
    -DOQS_DIST_BUILD=ON \
    -DOQS_MINIMAL_BUILD="$ALGORITHMS" \
    >"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; die "cmake configure failed"; }

jobs="$(nproc 2>/dev/null || echo 2)"
log "building with $jobs jobs"
cmake --build "$work/build" --parallel "$jobs" >"$work/build.log" 2>&1 ||
    { tail -n 50 "$work/build.log" >&2; die "build failed"; }

log "installing into $prefix"
rm -rf "$prefix"
cmake --install "$work/build" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; die "install failed"; }
[[ -f "$prefix/lib/liboqs.so" ]] || die "install left no $prefix/lib/liboqs.so"
if command -v nm >/dev/null; then
    exports_ctx_query "$prefix/lib/liboqs.so" ||
        die "$prefix/lib/liboqs.so does not export OQS_SIG_supports_ctx_str"
fi
printf '%s\n' "$build_id" >"$stamp"

installed_version="$(sed -nE 's/^#define OQS_VERSION_TEXT "(.*)"$/\1/p' \
    "$prefix/include/oqs/oqsconfig.h")"
enabled="$(sed -nE 's/^#define OQS_ENABLE_SIG_([a-z0-9_]+) 1$/\1/p' \
    "$prefix/include/oqs/oqsconfig.h" | grep -vE '_(avx2|aarch64)$' | paste -sd' ')"
log "liboqs $installed_version installed in $prefix in $((SECONDS - start)) s"
log "signature algorithms: $enabled"
