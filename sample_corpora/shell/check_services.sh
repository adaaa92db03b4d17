#!/bin/bash
# check_services.sh — poll HTTP health endpoints and TCP ports, print a status table,
# and exit non-zero if anything is down. Meant for a quick look after a deploy.
#
# Config file format (one check per line, '#' starts a comment):
#   http  api        https://api.example.test/healthz   200
#   tcp   postgres   db.internal:5432
#   http  frontend   http://localhost:8080/              200,301

set -u

CONFIG="${1:-services.conf}"
TIMEOUT="${TIMEOUT:-5}"
declare -A STATUS=()
declare -A DETAIL=()
failures=0

if [[ -t 1 ]]; then
    GREEN=$'\e[32m'; RED=$'\e[31m'; DIM=$'\e[2m'; RESET=$'\e[0m'
else
    GREEN=""; RED=""; DIM=""; RESET=""
fi

check_http() {
    local url="$1" expected="${2:-200}" code elapsed
    read -r code elapsed < <(curl -sk -o /dev/null --max-time "$TIMEOUT" \
        -w '%{http_code} %{time_total}\n' "$url" 2>/dev/null || echo "000 0")
    if [[ ",$expected," == *",$code,"* ]]; then
        printf 'ok %s (%.0f ms)' "$code" "$(echo "$elapsed * 1000" | bc -l)"
        return 0
    fi
    printf 'HTTP %s, expected %s' "$code" "$expected"
    return 1
}

check_tcp() {
    local host="${1%:*}" port="${1##*:}"
    if timeout "$TIMEOUT" bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
        printf 'port %s open' "$port"
        return 0
    fi
    printf 'cannot connect to %s:%s' "$host" "$port"
    return 1
}

[[ -r "$CONFIG" ]] || { echo "cannot read config '$CONFIG'" >&2; exit 2; }

names=()
while read -r kind name target extra; do
    [[ -z "${kind:-}" || "$kind" == \#* ]] && continue
    names+=("$name")
    case "$kind" in
        http) detail=$(check_http "$target" "${extra:-200}") ;;
        tcp)  detail=$(check_tcp "$target") ;;
        *)    detail="unknown check type '$kind'"; false ;;
    esac
    if (( $? == 0 )); then
        STATUS[$name]="UP"
    else
        STATUS[$name]="DOWN"
        ((failures++))
    fi
    DETAIL[$name]="$detail"
done < "$CONFIG"

printf '%-16s %-6s %s\n' "SERVICE" "STATE" "DETAIL"
for name in "${names[@]}"; do
    if [[ "${STATUS[$name]}" == UP ]]; then color="$GREEN"; else color="$RED"; fi
    printf '%-16s %s%-6s%s %s%s%s\n' "$name" "$color" "${STATUS[$name]}" "$RESET" \
        "$DIM" "${DETAIL[$name]}" "$RESET"
done

if (( failures > 0 )); then
    echo "✗ $failures of ${#names[@]} checks failed"
    exit 1
fi
echo "✓ all ${#names[@]} checks passed — tout va bien"
