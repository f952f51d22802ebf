#!/bin/sh
# Paired wall-time comparison: for each method, the reference's original run at seed 123 and then,
# immediately after, flnb's matching run, so both see (nearly) the same machine load.
#   bench/reference/paired_timing.sh REFERENCE_DIR FLNB_BINARY PYTHON OUT_DIR [MNIST_DIR]
set -eu
ref=$1; flnb=$2; py=$3; out=$4; mnist=${5:-data/mnist}
here=$(dirname "$0")
mkdir -p "$out"
for m in lwf_mc icarl lucir ewc_on xder; do
    "$py" "$here/run_grid.py" --reference "$ref" --python "$py" --threads 1 --mnist "$mnist" \
        --only "$m" --runs original --seeds 123 --force --out "$out/paired-reference.jsonl"
    "$py" "$here/run_grid.py" --flnb "$flnb" --flnb-threads 2 --mnist "$mnist" \
        --only "$m" --runs original --seeds 123 --force --out "$out/paired-flnb.jsonl"
done
