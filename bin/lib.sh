# Shared by bin/dev and bin/test: free ports and waiting for servers.
# shellcheck shell=bash

# Ports come from below the kernel's ephemeral range, which outgoing
# connections draw their local ports from: a free port picked inside it can
# be taken by any client socket before the server binds it (EADDRINUSE).
free_port() {
  local port low
  low="$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  [ "$low" -gt 20000 ] || low=60000
  while :; do
    port=$((20000 + RANDOM % (low - 20000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

wait_for_port() { # port seconds name
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$3 did not start listening on port $1 within $2 s" >&2
  return 1
}

# Waits until the server we started (pid) says in its log that it is ready:
# an open port alone may be someone else's, if ours could not bind it.
wait_for_log() { # pid log-file text seconds name
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || { echo "$5 exited before it was ready:" >&2; cat "$2" >&2; return 1; }
    grep -qF -- "$3" "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$5 was not ready within $4 s:" >&2
  cat "$2" >&2
  return 1
}

faktory_bin() { echo "$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/faktory"; }
