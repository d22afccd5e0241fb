#!/usr/bin/env bash
# Drive inverter training on a lent GPU machine in 10-minute command slices.
#   bash models/device_train.sh smoke|start|poll|finish [seconds]
# Expects (carried, git-ignored): .whl/ (faker, pydantic wheels for the device's Python),
# .carry/minilm (fp16 all-MiniLM-L6-v2) and .carry/tok (the output tokenizer).
set -uo pipefail
MODE=${1:?mode}
WAIT=${2:-0}
RUN=/tmp/vecaudit-run
OUTD=${OUT:-/tmp/out}
mkdir -p "$RUN" "$OUTD"
if [ ! -d /tmp/site ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 3
fi
mkdir -p /tmp/pkgs && ln -sfn "$PWD/auditor" /tmp/pkgs/vecaudit
export PYTHONPATH=/tmp/site:/tmp/pkgs HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=true
COMMON=(--device cuda --encoder-dir .carry/minilm --tokenizer-dir .carry/tok)
case "$MODE" in
  smoke)
    nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv
    python3 -m vecaudit.inversion.train_cli --out /tmp/smoke "${COMMON[@]}" --n-train 20000 --n-eval 64 \
      --max-steps 300 --batch-size 512 --pool-steps 100 --onpolicy-after 150 --eval-every 1e9 --workers 8 \
      --gen-batch 8192 2>&1 | grep -v "Loading weights" | tee "$OUTD/smoke.log" | tail -25
    [ "$#" -gt 2 ] || exit 0
    shift 2
    setsid nohup python3 -m vecaudit.inversion.train_cli --out "$RUN" --export "$RUN/export" "${COMMON[@]}" "$@" \
      > "$RUN/stdout.log" 2>&1 < /dev/null &
    echo "started $!"
    ;;
  start)
    shift 2
    setsid nohup python3 -m vecaudit.inversion.train_cli --out "$RUN" --export "$RUN/export" "${COMMON[@]}" "$@" \
      > "$RUN/stdout.log" 2>&1 < /dev/null &
    echo "started $!"
    ;;
  poll|finish)
    ;;
esac
if [ "$WAIT" -gt 0 ]; then
  end=$((SECONDS + WAIT))
  while [ $SECONDS -lt $end ]; do
    if [ "$MODE" = finish ] && [ -f "$RUN/export/inverter.json" ] && ! pgrep -f "train_cli --out $RUN" >/dev/null; then break; fi
    sleep 10
  done
fi
if [ -f "$RUN/stdout.log" ]; then
  grep -v "Loading weights" "$RUN/stdout.log" | grep -v "^\s*$" > "$OUTD/train_stdout.log"
  grep -E "step|eval|generated|embedded|resumed|Error|error|Traceback" "$RUN/stdout.log" | tail -12 | cut -c1-600
fi
if [ -d "$RUN/ckpt" ]; then
  tar -C "$RUN" -cf "$OUTD/ckpt.tar" ckpt && split -b 15m -d "$OUTD/ckpt.tar" "$OUTD/ckpt.tar." && rm "$OUTD/ckpt.tar"
fi
if [ -d "$RUN/export" ]; then
  tar -C "$RUN" -cf "$OUTD/export.tar" export
fi
ls -la "$OUTD"
