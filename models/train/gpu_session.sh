#!/usr/bin/env bash
# One borrowed-GPU session (one call, ~9 minutes): everything that needs the accelerator, in
# parallel, each phase bounded in time so the results come back even if one part fails.
#   - the server model (SPADE ngf 16, hidden 16, 256 px; 128 px first; the width that renders in
#     ~100 ms on 2 CPU cores), then the CLADE preview distilled from it
#   - the quality yardstick: segmenter + the equal-parameter comparison at 128 px
#     (SPADE, concat decoder, pix2pixHD-style), same data, batch, steps and losses
#   - models/evaluation/evaluate.py over all of them
# Results are packed into $OUT/pack.tgz.part-* (<= 15 MiB each): slim checkpoints (EMA
# generator + encoder), preview and segmenter weights, logs, sample grids, evaluation report.
#
#   OUT=/tmp/gpu_out bash models/train/gpu_session.sh          # on the GPU machine
#   SMOKE=1 OUT=/tmp/gpu_smoke bash models/train/gpu_session.sh  # tiny sizes, CPU, ~2 min
# Unpack here: mkdir -p models/train/runs/gpu && cat pack.tgz.part-* | tar xz -C models/train/runs/gpu
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:?set OUT}
R=${RUNS:-/tmp/gpu_runs}
PY=${PY:-python3}
export PYTHONUNBUFFERED=1
mkdir -p "$R" "$OUT"
LOG="$R/session.log"
say() { echo "[$(date +%T)] $*" | tee -a "$LOG"; }

if [ "${SMOKE:-0}" = 1 ]; then
  SRV="--ngf 4 --ngf-e 4 --ndf 8 --nhidden 8 --size 64 --low-size 32 --low-minutes 0.05 --batch 2 --pool 8 --fresh 1"
  SRV_MIN=0.3; EQ="--ngf 4 --ngf-e 4 --ndf 8 --nhidden 8 --size 32 --batch 2 --pool 8 --fresh 1"; EQ_STEPS=6; EQ_MIN=0.3
  SEG="--width 4 --size 32 --batch 2 --steps 10"; SEG_MIN=0.3
  DIST="--ngf 4 --norm clade --size 32 --batch 2 --pool 64 --warm 2"; DIST_MIN=0.2
  EVAL="--n 8 --size 64 --batch 4"; THREADS=1
else
  SRV="--ngf 16 --ngf-e 16 --ndf 32 --nhidden 16 --size 256 --low-size 128 --low-minutes 1.6 --batch 16 --pool 2048 --fresh 8"
  SRV_MIN=${SRV_MIN:-4.5}; EQ="--ngf 16 --ngf-e 16 --ndf 32 --nhidden 16 --size 128 --batch 16 --pool 2048 --fresh 8"
  EQ_STEPS=${EQ_STEPS:-2000}; EQ_MIN=${EQ_MIN:-4.5}
  SEG="--width 32 --size 128 --batch 32"; SEG_MIN=${SEG_MIN:-3}
  DIST=${DIST:-"--ngf 8 --norm clade --size 64 --batch 64 --pool 8192 --warm 256 --new-per-step 16"}; DIST_MIN=${DIST_MIN:-1.5}
  EVAL="--n 1024 --size 256 --batch 64"; THREADS=3
fi

END=$(( $(date +%s) + ${BUDGET_S:-525} ))  # the whole session, packing included
say "start; $(nvidia-smi -L 2>/dev/null | head -1); $($PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())')"
# Sanity: a few CUDA steps with AMP; fall back to fp32, then to CPU data generation, so a
# surprise on the device costs seconds rather than the session.
TRAIN_EXTRA=""
probe() { timeout 75 $PY models/train/train.py --runs "$R/probe" --name p $EQ --max-steps 3 --quiet --sample-minutes 100 "$@" >>"$LOG" 2>&1; }
if [ "${SKIP_PROBE:-0}" = 1 ]; then say "probe skipped";
elif probe; then say "probe ok (AMP)";
elif probe --amp 0; then TRAIN_EXTRA="--amp 0"; say "probe ok without AMP";
elif SPADE_DATA_DEVICE=cpu probe --amp 0; then TRAIN_EXTRA="--amp 0"; export SPADE_DATA_DEVICE=cpu; say "probe ok with CPU data, no AMP";
else say "probe failed; continuing anyway"; fi
rm -rf "$R/probe"

bounded() {  # minutes name command...: run with a hard cap of minutes + 1, log to $R/name.log;
  # never past the session deadline (45 s kept for slimming and packing)
  # +1 min: CUDA start-up and data pool fill happen before the trainer starts its own clock
  local cap=$(awk "BEGIN{print int(($1 + 1) * 60)}"); local name=$2; shift 2
  local left=$((END - $(date +%s) - 45))
  [ "$cap" -gt "$left" ] && cap=$left
  if [ "$cap" -le 5 ]; then say "$name skipped: no time left"; return; fi
  timeout "$cap" "$@" >"$R/$name.log" 2>&1; say "$name exited $? (cap ${cap} s)"
}

( bounded "$SRV_MIN" server $PY models/train/train.py --runs "$R" --name server $SRV ${SRV_EXTRA:-} $TRAIN_EXTRA \
    --max-minutes "$SRV_MIN" --total-minutes "$SRV_MIN" --ckpt-minutes 1 --sample-minutes 1 --threads $THREADS
  bounded "$DIST_MIN" preview $PY models/train/distill.py --teacher "$R/server" --runs "$R" --name preview $DIST \
    --max-minutes "$DIST_MIN" --threads $THREADS ) &
if [ "${ONLY_SERVER:-0}" != 1 ]; then  # ONLY_SERVER=1: a second, shorter session for the server alone
bounded "$SEG_MIN" segmenter $PY models/evaluation/segmenter.py $SEG --minutes "$SEG_MIN" --out "$R/segmenter.pt" --threads 2 &
for arch in spade concat pix2pixhd; do
  bounded "$EQ_MIN" "eq_$arch" $PY models/train/train.py --runs "$R" --name "eq_$arch" --arch $arch --match-params $EQ \
    $TRAIN_EXTRA --max-steps "$EQ_STEPS" --max-minutes "$EQ_MIN" --total-minutes "$EQ_MIN" --ckpt-minutes 1 \
    --sample-minutes 1 --threads 2 &
done
fi
wait
say "training done"
[ -f "$R/segmenter.pt" ] && {
PREVIEW=""; [ -f "$R/preview/ckpt/index.json" ] && PREVIEW="--preview $R/preview"
bounded 1.5 evaluate $PY models/evaluation/evaluate.py "$R/server" "$R/eq_spade" "$R/eq_concat" "$R/eq_pix2pixhd" \
  --names server SPADE concat pix2pixHD $PREVIEW --segmenter "$R/segmenter.pt" $EVAL --out "$R/eval" --threads 4
}

# Slim checkpoints (weights used for export/evaluation, no D, no optimiser state) keep the pack
# under the 64 MiB return limit. The baselines come back (fp16) only when the evaluation
# failed here, so it can be rerun at home.
$PY - "$R" <<'EOF' >>"$LOG" 2>&1
import os, shutil, sys
sys.path.insert(0, 'models/train')
from common import load_sharded, save_sharded
R = sys.argv[1]
evaluated = os.path.exists(os.path.join(R, 'eval', 'results.json'))
plan = {'server': ('G_ema.', 'E.'), 'preview': ('G_ema.',)}
for name in ('eq_spade', 'eq_concat', 'eq_pix2pixhd'):
    plan[name] = () if evaluated else ('G_ema.',)
for name, prefixes in plan.items():
    ck = os.path.join(R, name, 'ckpt')
    if not os.path.exists(os.path.join(ck, 'index.json')):
        continue
    if not prefixes:
        shutil.rmtree(ck)
        continue
    s = load_sharded(ck)
    keep = {k: v for k, v in s.items() if not hasattr(v, 'dtype') or k.startswith(prefixes)}
    keep.pop('meta_opt', None)
    if name.startswith('eq_') or (name == 'server' and not evaluated):
        keep = {k: (v.half() if hasattr(v, 'dtype') and v.is_floating_point() else v) for k, v in keep.items()}
    shutil.rmtree(ck)
    save_sharded(keep, ck)
    print('slim', name, sum(os.path.getsize(os.path.join(ck, f)) for f in os.listdir(ck)) // 2**20, 'MiB')
EOF
say "packing"
cd "$R" && tar czf - --exclude='*/ckpt.old' --exclude='*/ckpt.tmp' --exclude='*/samples/step*' . \
  | split -b 15M - "$OUT/pack.tgz.part-"
ls -la "$OUT" | tee -a "$LOG"
cp "$LOG" "$OUT/session.log"
