#!/usr/bin/env bash
# Load test of the running host with wrk: authorize of an already granted scope vs the host's own /healthz,
# alternating in the same run against the same process. SQLite (default) or PostgreSQL (--postgres), which
# starts a throwaway PostgreSQL cluster with durable defaults. --instances N (2 or more) starts N host processes on
# that PostgreSQL behind Debian's nginx (round robin, the configuration of docs/deploy.md, run as a child in the
# foreground) and sends every request through nginx. UNI_AUTHORIZE_BENCH_POSTGRES (an Npgsql connection string) names a
# server to use instead of the throwaway one. Prints a Markdown table for docs/benchmarks.md. The shortest run
# (--duration 1s --rounds 1 --warmup 1s) is build/test.sh's check that the script still works.
#   bash bench/load/run.sh [--postgres | --instances N] [--duration 10s] [--connections 32] [--rounds 3] [--warmup 3s]
set -euo pipefail
cd "$(dirname "$0")/../.."
provider=Sqlite duration=10s connections=32 rounds=3 instances=1 warmup=3s
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) provider=PostgreSql ;;
    --duration) duration=$2; shift ;;
    --connections) connections=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --instances) instances=$2; provider=PostgreSql; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ "$instances" -ge 1 ] 2>/dev/null || { echo "--instances takes a number" >&2; exit 2; }
[ "$instances" -eq 1 ] || [ -x /usr/sbin/nginx ] || { echo "nginx is missing: apt-get install nginx-light" >&2; exit 1; }

work=$(mktemp -d)
host_pids=() nginx_pid='' pg_bin='' pg_dir='' first=''
cleanup() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  for pid in "${host_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  if [ -n "$pg_dir" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))   # below the ephemeral range (32768 and up), where outgoing connections take ports
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

settings=()
if [ "$provider" = PostgreSql ] && [ -n "${UNI_AUTHORIZE_BENCH_POSTGRES:-}" ]; then
  settings+=(--Store:Provider=PostgreSql "--Store:ConnectionString=$UNI_AUTHORIZE_BENCH_POSTGRES")
elif [ "$provider" = PostgreSql ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pg_dir=$(mktemp -d) && chmod 755 "$pg_dir" && chown postgres "$pg_dir"
  pg_port=$(free_port)
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1" start >/dev/null
  settings+=(--Store:Provider=PostgreSql "--Store:ConnectionString=Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres")
fi

dotnet build -c Release src/Uni.Authorize.Host -v quiet -nologo >/dev/null
admin_key=bench-admin-key-0123456789
upstreams=''
for i in $(seq 1 "$instances"); do
  port=$(free_port)
  base="http://127.0.0.1:$port"
  # Each instance has a data folder of its own: everything they share is in PostgreSQL.
  (cd src/Uni.Authorize.Host/bin/Release/net10.0 && exec dotnet Uni.Authorize.Host.dll --urls "$base" "${settings[@]}" \
    --Store:DataDirectory="$work/data$i" --Host:AdminKey=$admin_key --Logging:LogLevel:Default=Warning \
    --Host:NameSignIn=LoopbackOnly >"$work/host$i.log" 2>&1) &
  host_pids+=($!)
  for _ in $(seq 1 120); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.5; done
  curl -sf "$base/healthz" >/dev/null || { echo "host $i did not start:" >&2; tail -30 "$work/host$i.log" >&2; exit 1; }
  upstreams+="    server 127.0.0.1:$port max_fails=0;"$'\n'
  [ "$i" -eq 1 ] && first=$base
done
if [ "$instances" -gt 1 ]; then
  # The nginx configuration of docs/deploy.md (round robin), with its own prefix folder, in the foreground.
  lb_port=$(free_port)
  mkdir -p "$work/nginx/tmp"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp; proxy_temp_path $work/nginx/tmp; fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp; scgi_temp_path $work/nginx/tmp;
  upstream uni_authorize {
$upstreams    keepalive 32;
  }
  server {
    listen 127.0.0.1:$lb_port;
    location / {
      proxy_pass http://uni_authorize;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host:\$server_port;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_buffering off;
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout;
    }
  }
}
CONF
  /usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
  nginx_pid=$!
  base="http://127.0.0.1:$lb_port"
  for _ in $(seq 1 40); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.25; done
fi

field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d '"' -f 4; }  # the first "$1":"..." of a JSON answer
fail() { echo "$1" >&2; tail -20 "$work"/host*.log >&2; exit 1; }
json=(-H 'Content-Type: application/json')
# The setup talks to the first instance directly: name sign-in (on for this run, from this machine) is refused through
# a proxy. The app is created here rather than taken from the demo, which is off on PostgreSQL.
admin=(-H "X-Admin-Key: $admin_key")
app_id=$(curl -sf "${json[@]}" "${admin[@]}" -d '{"name":"Load bench","platform":"wechat"}' "$first/admin/v1/apps" | field id)
[ -n "$app_id" ] || fail "the admin API did not create the app"
user_id=$(curl -sf "${json[@]}" "${admin[@]}" -d '{"name":"bench"}' "$first/admin/v1/users" | field id)
token=$(curl -sf "${json[@]}" "${admin[@]}" -d "{\"appId\":\"$app_id\",\"userId\":\"$user_id\"}" "$first/admin/v1/sessions" | field token)
[ -n "$user_id" ] && [ -n "$token" ] || fail "the admin API did not create the user '$user_id' or its session"

# Grant the scope the way a person does: the app asks, the signed-in user allows in the consent API.
curl -s -o /dev/null "${json[@]}" -H "Authorization: Bearer $token" -d '{"scope":"scope.userLocation"}' "$first/api/v1/authorize?wait=0"
jar="$work/cookies"
csrf=$(curl -sf -c "$jar" -b "$jar" "$first/api/v1/user/antiforgery" | field token)
curl -sf -o /dev/null -c "$jar" -b "$jar" "${json[@]}" -H "X-CSRF-TOKEN: $csrf" -d '{"name":"bench"}' "$first/api/v1/user/sign-in" \
  || fail "name sign-in was refused"
csrf=$(curl -sf -c "$jar" -b "$jar" "$first/api/v1/user/antiforgery" | field token)
consent=$(curl -sf -b "$jar" "$first/api/v1/user/consents?wait=5" | field id)
curl -sf -o /dev/null -b "$jar" "${json[@]}" -H "X-CSRF-TOKEN: $csrf" -d '{"answer":"allow"}' "$first/api/v1/user/consents/$consent/answer" \
  || fail "the consent '$consent' could not be answered"
curl -sf "${json[@]}" -H "Authorization: Bearer $token" -d '{"scope":"scope.userLocation"}' "$base/api/v1/authorize?wait=10" | grep -q '"status":"ok"' \
  || fail "the scope was not granted (consent '$consent')"

export UNI_SESSION_TOKEN=$token
run() { # $1 name, rest: wrk arguments; prints "rps p99"
  local out; shift
  out=$(wrk -t1 -c"$connections" -d"$duration" --latency "$@")
  echo "$out" >>"$work/wrk.log"
  # Every answer must be a success: a failing instance behind nginx would otherwise pass as fast errors.
  if echo "$out" | grep -q 'Non-2xx or 3xx responses\|Socket errors'; then
    echo "$out" >&2
    for log in "$work"/host*.log; do echo "--- $log" >&2; tail -30 "$log" >&2; done
    exit 1
  fi
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$rps $p99"
}
wrk -t1 -c"$connections" -d"$warmup" "$base/healthz" >/dev/null   # warm-up
wrk -t1 -c"$connections" -d"$warmup" -s bench/load/authorize.lua "$base" >"$work/warmup.log" || { cat "$work/warmup.log" >&2; tail -30 "$work"/host*.log >&2; exit 1; }
health_total=0 auth_total=0
rows=''
alive() { # every host process still runs
  local pid
  for pid in "${host_pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "a host process stopped during the run:" >&2; for log in "$work"/host*.log; do echo "--- $log" >&2; tail -40 "$log" >&2; done; exit 1; }
  done
}
for round in $(seq 1 "$rounds"); do
  h=$(run healthz "$base/healthz")
  read -r h_rps h_p99 <<<"$h"
  a=$(run authorize -s bench/load/authorize.lua "$base")
  read -r a_rps a_p99 <<<"$a"
  alive
  health_total=$(awk -v a="$health_total" -v b="$h_rps" 'BEGIN {print a + b}')
  auth_total=$(awk -v a="$auth_total" -v b="$a_rps" 'BEGIN {print a + b}')
  rows+="| $round | $h_rps | $h_p99 | $a_rps | $a_p99 | $(awk -v a="$a_rps" -v h="$h_rps" 'BEGIN {printf "%.0f%%", 100 * a / h}') |"$'\n'
done

where="one host"
[ "$instances" -gt 1 ] && where="$instances host processes behind nginx (round robin), every request through nginx"
echo "Store: $provider; $where; wrk -t1 -c$connections -d$duration, $rounds alternating rounds"
echo
echo "| round | /healthz req/s | /healthz p99 | authorize (granted) req/s | authorize p99 | authorize / healthz |"
echo "|---:|---:|---:|---:|---:|---:|"
printf '%s' "$rows"
echo "| all | | | | | $(awk -v a="$auth_total" -v h="$health_total" 'BEGIN {printf "%.0f%%", 100 * a / h}') |"
