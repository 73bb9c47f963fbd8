#!/usr/bin/env bash
# Set up everything chromcnn needs on a fresh machine with Python 3.11, pip and apt:
#   * bedtools (the real binary, used through pybedtools): from apt (Debian/Ubuntu),
#     or from bioconda when conda/mamba is available and apt is not;
#   * with --dev, the test tools from apt: chromium, slurm-wlm and munge;
#   * a virtual environment in .venv with exact pins (requirements*.txt, constraints.txt).
# Usage: bash setup.sh          runtime only
#        bash setup.sh --dev    runtime + test and lint tools
set -euo pipefail
cd "$(dirname "$0")"

dev=0
[[ "${1:-}" == "--dev" ]] && dev=1

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

if ! command -v bedtools >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing bedtools with apt-get" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bedtools >/dev/null
  elif command -v mamba >/dev/null 2>&1 || command -v conda >/dev/null 2>&1; then
    echo "setup: installing bedtools from bioconda" >&2
    "$(command -v mamba || command -v conda)" install -y -c conda-forge -c bioconda bedtools=2.31.1
  else
    echo "setup: bedtools is missing; install it (apt install bedtools, or conda install -c bioconda bedtools)" >&2
    exit 1
  fi
fi

# Test-only system packages (--dev): Debian's chromium (the report is opened headless),
# slurm-wlm and munge (a real single-node SLURM cluster is started by the tests).
if ((dev)); then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
  command -v munged >/dev/null 2>&1 || missing+=(munge)
  if ((${#missing[@]})); then
    if command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing ${missing[*]} with apt-get (tests only)" >&2
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "setup: the tests need ${missing[*]} (Debian/Ubuntu packages); install them" >&2
      exit 1
    fi
  fi
fi

python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
    "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    python=$candidate
    break
  fi
done
if [[ -z "$python" ]]; then
  echo "setup: Python 3.11 is required (found: $(python3 --version 2>&1))" >&2
  exit 1
fi

[[ -x .venv/bin/python ]] || "$python" -m venv .venv
reqs=requirements.txt
((dev)) && reqs=requirements-dev.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r "$reqs"
# The `chromcnn` command (.venv/bin/chromcnn): this checkout's library, editable, no dependencies;
# (pip fetches setuptools for the build, as it fetches the pins above).
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
# Compile memelite's Tomtom and tangermeme's shuffle (numba) into their caches now, once
# (~100 s on 2 cores the first time, ~2 s after), so that no workflow job compiles them.
.venv/bin/python -m chromcnn.interpret.kernels >&2
echo "setup: ready ($(.venv/bin/python --version), $(bedtools --version))" >&2
