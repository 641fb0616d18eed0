#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test_sddd_notify.sh: sddd under a service manager's notification socket
# (what systemd gives a Type=notify unit: NOTIFY_SOCKET, and WATCHDOG_USEC
# for WatchdogSec=). A datagram socket stands for systemd; sddd reads a file.
# It must say READY=1 (with a STATUS= line) once started, WATCHDOG=1 every
# half period (two within 3 s of a 2 s watchdog), RELOADING=1 then READY=1
# on SIGHUP, STOPPING=1 on SIGTERM, and exit 0. Skipped (77) when sddd was
# built without libsystemd. Needs no network. About 5 s.
src="${SDD_SRCDIR:-..}"
build="${SDD_BUILDDIR:-.}"
grep -q '^#define HAVE_LIBSYSTEMD 1' "$build/autoconfig.h" || exit 77
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/sdd.conf" <<EOF
flow_input: file:$src/tests/data/flows.jsonl
output: file:$tmp/out.json
EOF

exec /usr/bin/python3 - "$build/sddd" "$tmp" <<'EOF'
import os, select, signal, socket, subprocess, sys, time

sddd, tmp = sys.argv[1], sys.argv[2]
path = os.path.join(tmp, "notify")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="2000000")
env.pop("WATCHDOG_PID", None)
log = open(os.path.join(tmp, "sddd.log"), "w")
proc = subprocess.Popen([sddd, "--config", os.path.join(tmp, "sdd.conf")], env=env, stderr=log)
seen = []


def fail(why):
    proc.kill()
    proc.wait()
    print("test_sddd_notify: %s; messages: %r" % (why, seen))
    print(open(os.path.join(tmp, "sddd.log")).read())
    sys.exit(1)


def wait_for(key, seconds):
    """The first message from now on that sets key, within seconds."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not select.select([sock], [], [], end - time.monotonic())[0]:
            break
        msg = sock.recv(4096).decode()
        seen.append(msg)
        fields = dict(line.split("=", 1) for line in msg.splitlines() if "=" in line)
        if fields.get(key) == "1":
            return fields
    fail("no %s=1 within %g s" % (key, seconds))


ready = wait_for("READY", 10)
if "records" not in ready.get("STATUS", ""):
    fail("READY=1 without the status line")
start = time.monotonic()
wait_for("WATCHDOG", 3)
wait_for("WATCHDOG", 3)
if time.monotonic() - start > 3:
    fail("two watchdog pings took %.1f s, the period is 2 s" % (time.monotonic() - start))
proc.send_signal(signal.SIGHUP)
wait_for("RELOADING", 5)
wait_for("READY", 5)
proc.send_signal(signal.SIGTERM)
wait_for("STOPPING", 5)
if proc.wait(timeout=30) != 0:
    fail("sddd exited with %d" % proc.returncode)
sys.exit(0)
EOF
