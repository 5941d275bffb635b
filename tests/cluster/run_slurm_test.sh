#!/usr/bin/env bash
# Run the pipeline on the fixture book through a real single-node SLURM and compare with a
# local run: every Parquet table and the GraphML must be byte-identical.
#
#   bash tests/cluster/run_slurm_test.sh        (or: make test-cluster)
#
# Needs root (or password-less sudo) for apt-get and for slurmd. Installs Debian's munge,
# slurmctld, slurmd and slurm-client if missing, starts munged (unless one already answers
# on the default socket), slurmctld and slurmd for localhost with the config from
# slurm.conf.in, runs `leaderlens run` locally and `leaderlens run --workflow-profile
# workflow/profiles/slurm` in two temporary copies of the project, prints both wall times,
# and stops every daemon it started, also on failure or Ctrl-C.
#
# Environment: LEADERLENS_VENV (default <project>/.venv), SLURMCTLD_PORT (6817),
# SLURMD_PORT (6818), KEEP=1 keeps the temporary folder (it is always kept on failure).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=${LEADERLENS_VENV:-$ROOT/.venv}
CTLD_PORT=${SLURMCTLD_PORT:-6817}
SLURMD_PORT=${SLURMD_PORT:-6818}
MUNGE_SOCKET=/run/munge/munge.socket.2
PACKAGES=(munge slurmctld slurmd slurm-client)

say() { printf '[slurm-test] %s\n' "$*"; }
die() {
    say "ERROR: $*" >&2
    exit 1
}

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    die "needs root or password-less sudo (apt-get, slurmd); run it as root"
fi

# --- 1. Packages and environment -------------------------------------------------------
missing=()
for tool in munged mungekey slurmctld slurmd sbatch srun squeue sinfo scancel; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    say "installing ${PACKAGES[*]} (missing: ${missing[*]})"
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
fi
[[ -x $VENV/bin/python ]] || die "$VENV/bin/python not found; run 'make install' first"
"$VENV/bin/python" -c "import snakemake_executor_plugin_slurm" 2>/dev/null ||
    die "snakemake-executor-plugin-slurm is not in $VENV; run" \
        "'$VENV/bin/pip install --no-deps --require-hashes -r requirements.lock'"
[[ ! -e /etc/slurm/slurm.conf ]] ||
    die "/etc/slurm/slurm.conf exists: this machine already has a SLURM; run the" \
        "test on a machine without one (jobs would read that file, not the test's)"
for pid_name in slurmctld slurmd; do
    ! pgrep -x "$pid_name" >/dev/null || die "a $pid_name is already running; stop it first"
done
for port in "$CTLD_PORT" "$SLURMD_PORT"; do
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null ||
        die "port $port is in use; set SLURMCTLD_PORT / SLURMD_PORT to free ports"
done

WORK=$(mktemp -d /tmp/leaderlens-slurm.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK"/{log,slurmctld,slurmd,local,slurm}
install -d -m 700 "$WORK/munge"
OUR_MUNGED=0
STATUS=1

# --- 2. Stop everything we started, whatever happens ------------------------------------
stop_pidfile() {
    local file=$1 pid
    [[ -s $file ]] || return 0
    pid=$(<"$file")
    "${SUDO[@]}" kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        "${SUDO[@]}" kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    "${SUDO[@]}" kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
    set +e
    trap '' INT TERM HUP PIPE # finish the clean-up even if the terminal or pipe is gone
    if [[ -s $WORK/slurmctld.pid ]]; then
        scancel --user "$(id -un)" 2>/dev/null # jobs of this private cluster only
    fi
    stop_pidfile "$WORK/slurmd.pid"
    stop_pidfile "$WORK/slurmctld.pid"
    ((OUR_MUNGED)) && stop_pidfile "$WORK/munge/munged.pid"
    if [[ $(readlink /run/slurm/conf 2>/dev/null) == "$WORK"/* ]]; then
        "${SUDO[@]}" rm -f /run/slurm/conf
    fi
    if ((STATUS == 0)) && [[ ${KEEP:-0} != 1 ]]; then
        rm -rf "$WORK"
    else
        say "kept $WORK (daemon logs in log/, runs in local/ and slurm/)"
    fi
    say "daemons stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# --- 3. munge, slurmctld, slurmd ----------------------------------------------------------
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    say "using the munged already running on $MUNGE_SOCKET"
else
    "${SUDO[@]}" install -d -m 755 /run/munge
    mungekey --create --keyfile="$WORK/munge/munge.key"
    "${SUDO[@]}" munged --key-file="$WORK/munge/munge.key" --pid-file="$WORK/munge/munged.pid" \
        --log-file="$WORK/log/munged.log" --seed-file="$WORK/munge/munged.seed"
    OUR_MUNGED=1
    munge -n | unmunge >/dev/null || die "munged does not answer; see $WORK/log/munged.log"
fi

HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
MEM_MB=$((MEM_MB * 9 / 10))
sed -e "s#@HOST@#$HOST#g" -e "s#@USER@#$(id -un)#g" -e "s#@STATE@#$WORK#g" \
    -e "s#@CTLD_PORT@#$CTLD_PORT#g" -e "s#@SLURMD_PORT@#$SLURMD_PORT#g" \
    -e "s#@CPUS@#$CPUS#g" -e "s#@MEM_MB@#$MEM_MB#g" \
    "$ROOT/tests/cluster/slurm.conf.in" >"$WORK/slurm.conf"
export SLURM_CONF=$WORK/slurm.conf

"${SUDO[@]}" slurmctld -f "$SLURM_CONF"
# Configless slurmd: fetches slurm.conf from slurmctld and links it at /run/slurm/conf.
"${SUDO[@]}" slurmd --conf-server "127.0.0.1:$CTLD_PORT"
for _ in $(seq 60); do
    [[ $(sinfo --noheader --format=%T 2>/dev/null) == idle ]] && break
    sleep 0.5
done
[[ $(sinfo --noheader --format=%T 2>/dev/null) == idle ]] || {
    tail -n 20 "$WORK"/log/slurm*.log >&2
    die "the node did not become idle"
}
say "SLURM up: node $HOST, $CPUS CPUs, $MEM_MB MB, partition $(sinfo --noheader --format=%P)"

# --- 4. The same book, run locally and on SLURM ---------------------------------------
# Both runs use one snapshot of the project's code (the tree may change while the test
# runs); the SLURM jobs inherit PATH and PYTHONPATH (sbatch --export=ALL).
SNAPSHOT=$WORK/snapshot
mkdir -p "$SNAPSHOT"
cp -r "$ROOT"/{Snakefile,config,workflow,scripts,src,tests,reports} "$SNAPSHOT/"
export PATH=$VENV/bin:$PATH
export PYTHONPATH=$SNAPSHOT/src
"$VENV/bin/python" -c 'import leaderlens, sys; sys.exit(not leaderlens.__file__.startswith(sys.argv[1]))' \
    "$SNAPSHOT/src/" || die "leaderlens is not imported from the snapshot $SNAPSHOT/src"
PYTHONPATH="$SNAPSHOT/tests:$PYTHONPATH" "$VENV/bin/python" -c '
import sys
from pathlib import Path
from conftest import copy_project
for folder in sys.argv[1:]:
    copy_project(Path(folder))
' "$WORK/local" "$WORK/slurm"

elapsed() { echo "$(($(date +%s%N) / 1000000 - $1))"; }
seconds() { printf '%d.%03d' "$(($1 / 1000))" "$(($1 % 1000))"; }

say "local run: leaderlens run"
start=$(($(date +%s%N) / 1000000))
(cd "$WORK/local" && leaderlens run >"$WORK/log/local-run.log" 2>&1) || {
    tail -n 40 "$WORK/log/local-run.log" >&2
    die "local run failed"
}
LOCAL_MS=$(elapsed "$start")

# Test-only options: no slurmdbd here, so job states come from squeue (MinJobAge=3600),
# there is no account to charge, and the first status check comes after 2 s, not 40 s.
say "SLURM run: leaderlens run --workflow-profile workflow/profiles/slurm"
start=$(($(date +%s%N) / 1000000))
(cd "$WORK/slurm" && leaderlens run --workflow-profile workflow/profiles/slurm \
    --slurm-status-command squeue --slurm-no-account \
    --slurm-init-seconds-before-status-checks 2 >"$WORK/log/slurm-run.log" 2>&1) || {
    tail -n 60 "$WORK/log/slurm-run.log" >&2
    tail -n 20 "$WORK"/log/slurm*.log >&2
    die "SLURM run failed"
}
SLURM_MS=$(elapsed "$start")

submitted=$(grep -c "has been submitted with SLURM jobid" "$WORK/log/slurm-run.log" || true)
((submitted > 0)) || die "the SLURM run submitted no job (was it really run by the plugin?)"
say "wall time: local $(seconds "$LOCAL_MS") s, SLURM $(seconds "$SLURM_MS") s ($submitted sbatch jobs)"
say "SLURM jobs (squeue):"
squeue --states=all --noheader --format='  %.5i %.10T %.8M cpus=%C mem=%m time=%l' | sort -n

# --- 5. Byte-for-byte comparison --------------------------------------------------------
list_tables() { (cd "$1" && find data/processed -name '*.parquet' -o -name '*.graphml' | sort); }
diff <(list_tables "$WORK/local") <(list_tables "$WORK/slurm") >&2 ||
    die "the two runs wrote different sets of tables"
compared=0
different=0
while read -r table; do
    compared=$((compared + 1))
    cmp -s "$WORK/local/$table" "$WORK/slurm/$table" || {
        say "DIFFERS: $table" >&2
        different=$((different + 1))
    }
done < <(list_tables "$WORK/local")
((compared > 0)) || die "no tables to compare"
((different == 0)) || die "$different of $compared files differ between the local and SLURM run"

say "identical: $compared files (all Parquet tables and network.graphml)"
STATUS=0
say "PASSED"
