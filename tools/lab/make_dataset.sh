#!/bin/bash
# Build the lab v2 dataset: one small-scale lab run per seed, one seed per
# capture folder, so training, validation and test never share a session
# (addresses, devices, attack parameters). Needs root.
#
# usage: make_dataset.sh DATADIR [SPLIT:SEED ...]
#   default: train:11 .. train:16, validation:21 validation:22, test:31 test:32
#   each run goes to DATADIR/SPLIT/lab2-seedSEED; a folder that already holds
#   a capture is skipped, so an interrupted build resumes where it stopped.
#
# The lab v1 captures (data/train/seed1, seed2, data/test/seed3) were made by
# this script's previous version, lab v1 (docs/lab.md, data/README.md).
#
# Each capture folder keeps what a user of the data needs: capture.pcap,
# capture.labels.tsv, attacks.tsv, benign_flows.tsv, summary.tsv and plan/;
# the service and tool logs of the run stay in the scratch copy.
set -u
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LAB_DIR/common.sh"

[ $# -ge 1 ] || lab_die "usage: make_dataset.sh DATADIR [SPLIT:SEED ...]"
DATA=$1; shift
SPLITS="${*:-train:11 train:12 train:13 train:14 train:15 train:16 validation:21 validation:22 test:31 test:32}"

SCRATCH=$(mktemp -d /tmp/pclab-dataset.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
for entry in $SPLITS; do
  split=${entry%%:*} seed=${entry#*:}
  dest=$DATA/$split/lab2-seed$seed
  if [ -s "$dest/capture.labels.tsv" ]; then
    lab_log "seed $seed: $dest exists, skipped"
    continue
  fi
  run=$SCRATCH/seed$seed
  start=$(date +%s)
  bash "$LAB_DIR/lab.sh" --out "$run" --seed "$seed" --scale small || lab_die "lab run for seed $seed failed"
  lab_log "seed $seed took $(( $(date +%s) - start )) s"
  mkdir -p "$dest.partial"
  cp -r "$run/capture.pcap" "$run/capture.labels.tsv" "$run/attacks.tsv" "$run/benign_flows.tsv" \
        "$run/summary.tsv" "$run/plan" "$dest.partial/"
  rm -rf "$dest" && mv "$dest.partial" "$dest"
  rm -rf "$run"
done
/usr/bin/python3 -B "$LAB_DIR/dataset_counts.py" "$DATA"
du -sh "$DATA"
