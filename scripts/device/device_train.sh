#!/usr/bin/env bash
# Drive inverter training on a lent GPU machine in 10-minute command slices.
#   bash scripts/device/device_train.sh prep|start|poll|finish [seconds] [train args...]
# prep:   install carried wheels, copy the carried encoder and tokenizer to /tmp, build the data
#         cache in the background (the encoder and the warm-start weights do not fit in one carry).
# start:  copy carried warm-start weights (.carry/init) to /tmp, wait for prep, train in background.
# poll:   report progress; finish: wait for the export, then evaluate it on the GPU.
# Expects (carried, git-ignored): .whl/ (faker, pydantic wheels for the device's Python),
# .carry/minilm (fp16 all-MiniLM-L6-v2), .carry/tok (the output tokenizer), .carry/init (start).
set -uo pipefail
MODE=${1:?mode}
WAIT=${2:-0}
shift 2 || shift $#
RUN=/tmp/vecaudit-run
OUTD=${OUT:-/tmp/out}
mkdir -p "$RUN" "$OUTD"
if [ ! -d /tmp/site ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 3
fi
mkdir -p /tmp/pkgs && ln -sfn "$PWD/auditor" /tmp/pkgs/vecaudit
export PYTHONPATH=/tmp/site:/tmp/pkgs HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=true
export VECAUDIT_VOCAB_FILE=/tmp/minilm/vocab.txt
COMMON=(--device cuda --encoder-dir /tmp/minilm --tokenizer-dir /tmp/tok)
case "$MODE" in
  prep)
    cp -r .carry/minilm /tmp/minilm && cp -r .carry/tok /tmp/tok
    nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv
    setsid nohup python3 -m vecaudit.training.inverter_cli --out "$RUN" "${COMMON[@]}" --prepare-only "$@" \
      > "$RUN/prep.log" 2>&1 < /dev/null &
    echo "prep started $!"
    ;;
  start)
    cp -r .carry/init /tmp/init
    while pgrep -f "[p]repare-only" >/dev/null; do sleep 2; done
    tail -5 "$RUN/prep.log"
    setsid nohup python3 -m vecaudit.training.inverter_cli --out "$RUN" --export "$RUN/export" "${COMMON[@]}" \
      --init-from /tmp/init "$@" > "$RUN/stdout.log" 2>&1 < /dev/null &
    echo "started $!"
    ;;
  poll|finish)
    ;;
esac
if [ "$WAIT" -gt 0 ]; then
  end=$((SECONDS + WAIT))
  while [ $SECONDS -lt $end ]; do
    if [ "$MODE" = finish ] && [ -f "$RUN/export/inverter.json" ] && ! pgrep -f "[t]rain_cli --out $RUN --export" >/dev/null; then break; fi
    sleep 10
  done
fi
if [ -f "$RUN/stdout.log" ]; then
  grep -v "Loading weights" "$RUN/stdout.log" | grep -v "^\s*$" > "$OUTD/train_stdout.log"
  grep -E "step|eval|generated|embedded|resumed|warm|pool|Error|error|Traceback" "$RUN/stdout.log" | tail -12 | cut -c1-700
fi
if [ "$MODE" = finish ] && [ -f "$RUN/export/inverter.json" ]; then
  tar -C "$RUN" -cf "$OUTD/export.tar" export && split -b 15m -d "$OUTD/export.tar" "$OUTD/export.tar." && rm "$OUTD/export.tar"
  # Straight to the file: a filter in a pipe would hold the output back if the call is cut off.
  python3 scripts/device/device_eval.py "$RUN/export" /tmp/minilm > "$OUTD/eval.log" 2>&1
  grep -v "Loading weights" "$OUTD/eval.log"
elif [ -d "$RUN/ckpt" ] && [ "$MODE" = finish ]; then
  tar -C "$RUN" -cf "$OUTD/ckpt.tar" ckpt && split -b 15m -d "$OUTD/ckpt.tar" "$OUTD/ckpt.tar." && rm "$OUTD/ckpt.tar"
fi
ls -la "$OUTD"
