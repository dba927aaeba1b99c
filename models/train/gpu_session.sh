#!/usr/bin/env bash
# One borrowed-GPU session (one device call, ~9 minutes): the server model alone, at full
# throughput, continuing its training state. Data is synthesised on the GPU, batches are large,
# bf16 autocast and channels_last; images/s is logged every 10 steps (train.py progress lines).
#   - starts from the committed state (models/landscape/training) when there is one, else anew
#   - optionally (SEG_MIN > 0) continues the yardstick's segmenter first (models/evaluation/segmenter.pt, peak LR SEG_LR)
# Returns into $OUT (at most 8 files of 16 MiB): state/ (the refreshed training state: fp16
# shards <= 16 MiB of G, EMA G, encoder, discriminator and style probe, with the run appended to
# its ledger), run.tgz (session log, loss log and plot, last sample grid), segmenter.pt if trained.
#
#   OUT=/tmp/gpu_out bash models/train/gpu_session.sh          # on the GPU machine
#   SMOKE=1 OUT=/tmp/gpu_smoke bash models/train/gpu_session.sh  # tiny sizes, CPU, ~1 min
# At home: cp -r $OUT/state models/landscape/training (after the yardstick says it is better:
# models/README.md "Ship a model"), or keep it outside the repo to continue next time.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:?set OUT}
R=${RUNS:-/tmp/gpu_runs}
PY=${PY:-python3}
export PYTHONUNBUFFERED=1
mkdir -p "$R" "$OUT"
LOG="$R/session.log"
say() { echo "[$(date +%T)] $*" | tee -a "$LOG"; }

# The next server model: ngf 12 / SPADE hidden 16 (89 ms per frame on 2 CPU cores with random
# weights, models/export/random_config.py) so that its full training state and its shipped
# graph fit together in the repository's 64 MiB; KL per image and the style probe so that
# styles do not collapse (issue: presets far darker than their data).
MODEL="--ngf 12 --ngf-e 16 --ndf 32 --nhidden 16 --kld-per-image 1 --lambda-style 1"
if [ "${SMOKE:-0}" = 1 ]; then
  MODEL="--ngf 4 --ngf-e 4 --ndf 8 --nhidden 8 --kld-per-image 1 --lambda-style 1"
  SRV="--size 64 --low-size 32 --low-minutes 0.05 --batch 2 --pool 8 --fresh 1"; SRV_MIN=0.3
  SEG="--width 4 --depth 3 --size 32 --crop 16 --batch 2 --pool 8"; THREADS=1
else
  SRV=${SRV:-"--size 256 --low-size 128 --low-minutes 2 --batch 64 --batch-high 48 --pool 8192 --fresh 48 --amp-dtype bf16 --channels-last 1"}
  SRV_MIN=${SRV_MIN:-7}
  SEG=${SEG:-"--size 256 --crop 256 --batch 48 --pool 4096 --fresh 16"}; THREADS=4
fi
SEG_MIN=${SEG_MIN:-0}
STATE="$R/state"
rm -rf "$STATE" && [ -d models/landscape/training ] && cp -r models/landscape/training "$STATE"

END=$(( $(date +%s) + ${BUDGET_S:-540} ))  # the whole session, packing included
say "start; $(nvidia-smi -L 2>/dev/null | head -1); $($PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())')"
# A few steps first: bf16 + channels_last, else fp16 AMP, else fp32, else CPU-side data, so a
# surprise on the device costs seconds rather than the session.
EXTRA=""
probe() { timeout 90 $PY -m models.train.train --runs "$R/probe" --name p $MODEL $SRV --max-steps 3 --quiet --sample-minutes 100 "$@" >>"$LOG" 2>&1; }
if [ "${SKIP_PROBE:-0}" = 1 ] || [ "${SMOKE:-0}" = 1 ]; then say "probe skipped";
elif probe; then say "probe ok";
elif probe --amp-dtype fp16 --channels-last 0; then EXTRA="--amp-dtype fp16 --channels-last 0"; say "probe ok with fp16 AMP";
elif probe --amp 0; then EXTRA="--amp 0"; say "probe ok without AMP";
elif SPADE_DATA_DEVICE=cpu probe --amp 0; then EXTRA="--amp 0"; export SPADE_DATA_DEVICE=cpu; say "probe ok with CPU data, no AMP";
else say "probe failed; continuing anyway"; fi
# where a step's time goes, for the next session's speed-up (probe: 3 warm-up + 8 profiled steps)
[ "${SMOKE:-0}" = 1 ] || { probe $EXTRA --max-steps 12 --profile-steps 8; cp "$R/probe/p/profile.txt" "$R/" 2>/dev/null; [ -f "$R/profile.txt" ] && say "profile written" || say "no profile"; }
rm -rf "$R/probe"

bounded() {  # minutes name command...: a hard cap of minutes + 1 (CUDA start-up and the data pool
  # fill come before the trainer's own clock), never past the deadline (60 s kept for packing)
  local cap=$(awk "BEGIN{print int(($1 + 1) * 60)}"); local name=$2; shift 2
  local left=$((END - $(date +%s) - 60))
  [ "$cap" -gt "$left" ] && cap=$left
  if [ "$cap" -le 5 ]; then say "$name skipped: no time left"; return; fi
  timeout "$cap" "$@" >"$R/$name.log" 2>&1; say "$name exited $? (cap ${cap} s)"
}

# The GPU render worker's capacity figure (issue: faster frames): seconds, before the training
if [ "${SMOKE:-0}" != 1 ]; then
  timeout 90 $PY -m models.export.cuda_time >"$R/cuda_time.jsonl" 2>>"$LOG"; say "cuda_time exited $?"
fi
if awk "BEGIN{exit !($SEG_MIN > 0)}"; then
  bounded "$SEG_MIN" segmenter $PY -m models.evaluation.segmenter $SEG --run "$R/segmenter" --minutes "$SEG_MIN" \
    --init models/evaluation/segmenter.pt --lr "${SEG_LR:-1e-3}" --total-minutes "$SEG_MIN" --out "$R/segmenter.pt" --threads $THREADS
fi
# --total-minutes: the LR schedule of this session; the state's ledger keeps the totals.
bounded "$SRV_MIN" server $PY -m models.train.train --runs "$R" --name server $MODEL $SRV $EXTRA \
  --state "$STATE" --max-minutes "$SRV_MIN" --total-minutes "$SRV_MIN" --ckpt-minutes 1 --sample-minutes 1 \
  --threads $THREADS
say "training done; $(tail -1 "$R/server/progress.txt" 2>/dev/null)"

say "packing"
mkdir -p "$OUT/state"
cp "$STATE"/* "$OUT/state/" 2>/dev/null
[ -f "$R/segmenter.pt" ] && cp "$R/segmenter.pt" "$OUT/"
ls -la "$OUT" "$OUT/state" >>"$LOG"
# the small files travel as one (the device returns at most 8 files)
tar czf "$OUT/run.tgz" -C "$R" session.log server/log.jsonl server/progress.txt server/loss.png \
  server/samples/latest.png segmenter/checks.json cuda_time.jsonl profile.txt segmenter.log server.log 2>/dev/null
ls -la "$OUT" "$OUT/state"
