#!/bin/bash
# Build the shipped dataset with the lab: one small-scale run per seed,
# train = seeds 1 and 2, test = seed 3, so evaluation never shares a session
# (addresses, devices, attack parameters) with training. Needs root.
#
# usage: make_dataset.sh DATADIR        (e.g. data; must hold no train/ or test/)
#
# Each capture folder keeps what a user of the data needs: capture.pcap,
# capture.labels.tsv, attacks.tsv, benign_flows.tsv, summary.tsv and plan/;
# the service and tool logs of the run stay in the scratch copy.
set -u
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LAB_DIR/common.sh"

[ $# -eq 1 ] || lab_die "usage: make_dataset.sh DATADIR"
DATA=$1
if [ -e "$DATA/train" ] || [ -e "$DATA/test" ]; then
  lab_die "$DATA already has train/ or test/; move them away first"
fi
SPLITS="train:1 train:2 test:3"

SCRATCH=$(mktemp -d /tmp/pclab-dataset.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
for entry in $SPLITS; do
  split=${entry%%:*} seed=${entry#*:}
  run=$SCRATCH/seed$seed
  start=$(date +%s)
  bash "$LAB_DIR/lab.sh" --out "$run" --seed "$seed" --scale small || lab_die "lab run for seed $seed failed"
  lab_log "seed $seed took $(( $(date +%s) - start )) s"
  dest=$DATA/$split/seed$seed
  mkdir -p "$dest"
  cp -r "$run/capture.pcap" "$run/capture.labels.tsv" "$run/attacks.tsv" "$run/benign_flows.tsv" \
        "$run/summary.tsv" "$run/plan" "$dest/"
done
/usr/bin/python3 -B "$LAB_DIR/dataset_counts.py" "$DATA"
du -sh "$DATA"
