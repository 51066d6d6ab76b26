#!/usr/bin/env bash
# S3 calls with curl's built-in SigV4 signing (no extra client in the image), made
# with the backup user's own credentials. Sourced by manifest.sh and restore.sh.
#
# Needs: S3_ENDPOINT (http(s)://host:port), S3_BUCKET, S3_REGION, and
# MINIO_ACCESS_KEY / MINIO_SECRET_KEY in the environment. Keys and the bucket are
# validated names (letters, digits, . _ - /), so they go into URLs as they are.

# The credentials reach curl through its config on stdin, never on its command line
# (where `ps` would show them). Validated secrets hold no quote or backslash.
s3_curl() {
    printf 'user = "%s:%s"\n' "$MINIO_ACCESS_KEY" "$MINIO_SECRET_KEY" |
        curl --config - --silent --show-error --retry 2 --aws-sigv4 "aws:amz:${S3_REGION}:s3" "$@"
}

s3_url() {
    printf '%s/%s/%s' "$S3_ENDPOINT" "$S3_BUCKET" "$1"
}

# s3_head KEY: 0 when the object exists, 1 when it does not, 2 on any other answer.
s3_head() {
    local code
    code="$(s3_curl --head --output /dev/null --write-out '%{http_code}' "$(s3_url "$1")")" || return 2
    case "$code" in
        200) return 0 ;;
        404) return 1 ;;
        *) return 2 ;;
    esac
}

# s3_get KEY FILE: downloads KEY to FILE; fails with the HTTP status on error.
s3_get() {
    local code
    code="$(s3_curl --output "$2" --write-out '%{http_code}' "$(s3_url "$1")")" || return 2
    if [[ "$code" != 200 ]]; then
        rm -f "$2"
        echo "GET $1 answered HTTP $code" >&2
        return 1
    fi
}

# s3_put FILE KEY CONTENT_TYPE: uploads FILE as KEY.
s3_put() {
    local code
    code="$(s3_curl --upload-file "$1" --header "Content-Type: $3" --output /dev/null --write-out '%{http_code}' "$(s3_url "$2")")" || return 2
    if [[ "$code" != 200 ]]; then
        echo "PUT $2 answered HTTP $code" >&2
        return 1
    fi
}

urlencode() {
    local text="$1" out="" char i
    for ((i = 0; i < ${#text}; i++)); do
        char="${text:i:1}"
        case "$char" in
            [A-Za-z0-9._~-]) out+="$char" ;;
            *) out+="$(printf '%%%02X' "'$char")" ;;
        esac
    done
    printf '%s' "$out"
}

# s3_list PREFIX: prints "KEY<TAB>SIZE" for every object under PREFIX, all pages.
s3_list() {
    local prefix="$1" token="" page query
    while :; do
        query="list-type=2&prefix=$(urlencode "$prefix")"
        [[ -z "$token" ]] || query="continuation-token=$(urlencode "$token")&$query"
        page="$(s3_curl --fail "$S3_ENDPOINT/$S3_BUCKET?$query")" || {
            echo "listing $prefix in bucket $S3_BUCKET failed (check the endpoint, bucket and the backup user's keys)" >&2
            return 1
        }
        # One <Contents> element per line, then its Key and Size.
        printf '%s\n' "${page//<Contents>/$'\n'}" | sed -n 's/.*<Key>\([^<]*\)<\/Key>.*<Size>\([0-9]*\)<\/Size>.*/\1\t\2/p'
        [[ "$page" == *"<IsTruncated>true</IsTruncated>"* ]] || break
        token="$(sed -n 's/.*<NextContinuationToken>\([^<]*\)<\/NextContinuationToken>.*/\1/p' <<<"$page")"
        [[ -n "$token" ]] || break
    done
}
