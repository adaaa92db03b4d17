#!/usr/bin/env bash
#
# backup.sh — rotate compressed snapshots of a directory.
#
#   ./backup.sh -s ~/Documents -d /mnt/backup -k 7
#
# Keeps the newest K archives (default 14), verifies each new archive, and writes a
# one-line summary to syslog when `logger` is available. Safe to run from cron.

set -euo pipefail
IFS=$'\n\t'

readonly SCRIPT_NAME="${0##*/}"
readonly TIMESTAMP="$(date +%Y%m%d-%H%M%S)"
KEEP=14
SOURCE=""
DEST=""
DRY_RUN=0
EXCLUDES=(".cache" "node_modules" "*.tmp" "Thumbs.db")

usage() {
    cat <<USAGE
Usage: $SCRIPT_NAME -s SOURCE -d DEST [-k KEEP] [-n]

  -s SOURCE   directory to back up
  -d DEST     directory that receives the archives
  -k KEEP     number of archives to keep (default: $KEEP)
  -n          dry run: show what would happen
  -h          this help
USAGE
}

log() {
    local level="$1"; shift
    printf '%s [%s] %s\n' "$(date '+%F %T')" "$level" "$*" >&2
    if [[ "$level" != DEBUG ]] && command -v logger >/dev/null 2>&1; then
        logger -t "$SCRIPT_NAME" -- "$level: $*" || true
    fi
}

die() {
    log ERROR "$*"
    exit 1
}

cleanup() {
    local status=$?
    if [[ -n "${PARTIAL:-}" && -f "$PARTIAL" ]]; then
        rm -f -- "$PARTIAL"
        log WARN "removed incomplete archive $PARTIAL"
    fi
    exit "$status"
}
trap cleanup EXIT INT TERM

while getopts ":s:d:k:nh" opt; do
    case "$opt" in
        s) SOURCE="$OPTARG" ;;
        d) DEST="$OPTARG" ;;
        k) KEEP="$OPTARG" ;;
        n) DRY_RUN=1 ;;
        h) usage; exit 0 ;;
        :) die "option -$OPTARG needs a value" ;;
        \?) usage >&2; die "unknown option -$OPTARG" ;;
    esac
done

[[ -n "$SOURCE" && -n "$DEST" ]] || { usage >&2; exit 2; }
[[ -d "$SOURCE" ]] || die "source '$SOURCE' is not a directory"
[[ "$KEEP" =~ ^[1-9][0-9]*$ ]] || die "KEEP must be a positive integer, got '$KEEP'"
mkdir -p -- "$DEST"

# Pick the best compressor available: zstd > xz > gzip.
if command -v zstd >/dev/null 2>&1; then
    COMPRESS=(zstd -q -T0 -19); EXT="tar.zst"
elif command -v xz >/dev/null 2>&1; then
    COMPRESS=(xz -T0 -6); EXT="tar.xz"
else
    COMPRESS=(gzip -6); EXT="tar.gz"
fi

name="$(basename -- "$SOURCE")"
archive="$DEST/${name}-${TIMESTAMP}.${EXT}"
exclude_args=()
for pattern in "${EXCLUDES[@]}"; do
    exclude_args+=(--exclude="$pattern")
done

if (( DRY_RUN )); then
    log INFO "would write $archive using ${COMPRESS[0]} (excluding: ${EXCLUDES[*]})"
else
    PARTIAL="$archive.partial"
    log INFO "archiving $SOURCE → $archive"
    tar -C "$(dirname -- "$SOURCE")" "${exclude_args[@]}" -cf - "$name" \
        | "${COMPRESS[@]}" > "$PARTIAL"
    "${COMPRESS[0]}" -t "$PARTIAL" 2>/dev/null || die "verification of $PARTIAL failed"
    mv -- "$PARTIAL" "$archive"
    PARTIAL=""
    size_kb=$(du -k -- "$archive" | cut -f1)
    log INFO "done: $archive (${size_kb} KiB)"
fi

# Rotation: newest first, delete everything past $KEEP.
mapfile -t archives < <(ls -1t -- "$DEST/${name}-"*."${EXT}" 2>/dev/null || true)
if (( ${#archives[@]} > KEEP )); then
    for old in "${archives[@]:KEEP}"; do
        if (( DRY_RUN )); then
            log INFO "would delete $old"
        else
            rm -f -- "$old" && log INFO "deleted old archive $old"
        fi
    done
fi
