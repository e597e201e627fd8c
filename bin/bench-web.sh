# `bin/bench web`: issue 23's report, sourced by bin/bench after its set-up
# (Redis, fresh_faktory, start_bg, gen, cpu_ticks, secs, conc).
# shellcheck shell=bash

# web with default settings, on CPUs $1 ("" for any); sets web_pid and web_url.
start_web() {
  fresh_faktory
  local port
  port="$(free_port)"
  start_bg "$1" env PORT="$port" GITHUB_WEBHOOK_SECRET=bench \
    FAKTORY_URL="tcp://127.0.0.1:$faktory_port" REDIS_URL="redis://127.0.0.1:$redis_port" \
    THREADLINE_NAMESPACE=bench RUST_LOG=warn "$web_bin" 2>>"$scratch/web.log"
  web_pid=$bg_pid
  web_url="http://127.0.0.1:$port/webhooks/github"
  wait_for_port "$port" 20 web
}

start_node() { # cpus; sets node_pid and node_url
  fresh_faktory
  local port
  port="$(free_port)"
  start_bg "$1" env PORT="$port" GITHUB_WEBHOOK_SECRET=bench \
    FAKTORY_URL="tcp://127.0.0.1:$faktory_port" REDIS_URL="redis://127.0.0.1:$redis_port" \
    THREADLINE_NAMESPACE=bench WORKERS=1 node bench/node/receiver.js >>"$scratch/node.log" 2>&1
  node_pid=$bg_pid
  node_url="http://127.0.0.1:$port/webhooks/github"
  wait_for_port "$port" 20 node
}

stop() { # pid
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Peak RSS in MB since the last reset_peak.
peak_mb() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
reset_peak() { echo 5 >"/proc/$1/clear_refs"; }

# The closed loop's deliveries/s from `bench_web max`'s line.
per_sec() { awk '{print $6}' <<<"$1"; }

# "p50 X ms, p99 Y ms" from `bench_web rate`'s line.
field() { sed -E "s/.*$1 ([0-9.]+) ms.*/\\1/" <<<"$2"; }

web_report() {
  local hz load_before floor floor_us before after closed max cpu_us half at_half sweep
  local rate2k rss2k over rss_over web1 node1
  hz="$(getconf CLK_TCK)"
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "machine: $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC'); node $(node --version); load average $load_before"

  # a. the floor, in-process, 1 s of CPU per measure.
  floor="$("$bench" floor bench 1000)"
  echo "$floor"
  floor_us="$(sed -E 's/.*= ([0-9.]+) us per delivery.*/\1/' <<<"$floor")"

  start_web ""
  # d. RSS at 2,000/s first, from a fresh process.
  reset_peak "$web_pid"
  rate2k="$(gen rate "$web_url" bench 2000 5)"
  rss2k="$(peak_mb "$web_pid")"
  echo "web at 2000/s: $rate2k; peak RSS $rss2k MB"
  # b, c. closed loop: throughput and CPU per delivery.
  before="$(cpu_ticks "$web_pid")"
  closed="$(gen max "$web_url" bench "$conc" "$secs")"
  after="$(cpu_ticks "$web_pid")"
  max="$(per_sec "$closed")"
  cpu_us="$(awk -v t=$((after - before)) -v hz="$hz" -v n="$max" -v s="$secs" \
    'BEGIN { printf "%.0f", t / hz * 1e6 / (n * s) }')"
  echo "web $closed; CPU $cpu_us us per delivery"
  half=$((max / 2))
  at_half="$(gen rate "$web_url" bench "$half" 5)"
  echo "web at half its max: $at_half"
  sweep="$(gen sweep "$web_url" bench "$max" 4)"
  echo "$sweep"
  # d. overloaded: an open loop at twice the maximum.
  reset_peak "$web_pid"
  over="$(gen rate "$web_url" bench $((max * 2)) 5)"
  rss_over="$(peak_mb "$web_pid")"
  echo "web at twice its max ($((max * 2))/s): $over; peak RSS $rss_over MB"
  stop "$web_pid"

  # e. each receiver alone on CPU 1; the rest anywhere.
  start_web 1
  web1="$(per_sec "$(gen max "$web_url" bench "$conc" "$secs")")"
  stop "$web_pid"
  start_node 1
  node1="$(per_sec "$(gen max "$node_url" bench "$conc" "$secs")")"
  stop "$node_pid"
  echo "on CPU 1 alone: web $web1/s, node $node1/s"

  local ratio crossed load_after
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  crossed="$(sed -nE 's/^sweep: //p' <<<"$sweep")"
  load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
  cat <<EOF

| figure | measured | target |
| --- | --- | --- |
| floor: ring HMAC + router parse into the typed job, in-process CPU | $floor_us µs per delivery | — |
| \`web\` CPU per delivery, closed loop ($conc clients, ${secs} s) | $cpu_us µs = $(ratio "$cpu_us" "$floor_us")× the floor | ≤ 1.5× |
| \`web\` closed-loop maximum | $max/s | — |
| \`web\` at half of it ($half/s, open loop) | p50 $(field p50 "$at_half") ms, p99 $(field p99 "$at_half") ms | p99 ≤ 5 ms |
| where p99 passes 50 ms | $crossed | (reported) |
| \`web\` peak RSS at 2,000/s open loop | $rss2k MB (p99 $(field p99 "$rate2k") ms) | < 30 MB |
| \`web\` peak RSS overloaded ($((max * 2))/s open loop) | $rss_over MB | < 40 MB |
| \`web\` ÷ Node, each alone on CPU 1 | $web1/s ÷ $node1/s = $(ratio "$web1" "$node1")× | ≥ 2× |
| load average (1, 5, 15 min) | before $load_before, after $load_after | — |
EOF
}
