#!/usr/bin/env bash
# gpu-bench.sh [BUILD_DIR]: the GPU figures for the README, on a machine with a GPU and no
# display (EGL through SDL's offscreen driver), from a Release build (default: build).
#   1. `sonospine doctor` (which GL, which renderer)
#   2. `sonospine bench --backend both` at the bench's three sizes, then the GPU alone at
#      256 x 4096 (issue 20's real-GPU target: >= 1000 fps), then the GPU at 256 x 1024
#      and 256 x 4096 with the other layouts (docs/gpu.md "Layouts"): the speckle pass with
#      SONOSPINE_GPU_SPECKLE_LANES = 8, 32 (invocations sharing a line's chunk), the march
#      with SONOSPINE_GPU_MARCH_LANES = 8 (a line's rays side by side), and both, to choose
#      the defaults on a real GPU
#   3. the CPU-vs-GPU image comparison: each shipped view the sonoanatomy tests use,
#      rendered by both backends; prints, per view, the envelope's largest and 99th
#      percentile difference in dB (samples above the display floor) and the share of
#      equal labels (docs/gpu.md: 8-bit images within 1 grey level, labels 100 % equal)
# Not part of `make test` (CI has no GPU). Needs python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
EXE=$B/sonospine
[ -x "$EXE" ] || { echo "gpu-bench: $EXE not found: build first (make build)" >&2; exit 2; }
OUT=$(mktemp -d /tmp/sonospine-gpu-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

echo "== doctor"
"$EXE" doctor
echo "== bench (both backends, medians of 50 frames)"
"$EXE" bench --backend both --frames 50
echo "== bench (GPU, 256 x 4096, medians of 200 frames)"
"$EXE" bench --backend gpu --lines 256 --samples 4096 --frames 200
for layout in "8 1" "32 1" "1 8" "8 8"; do
  read -r spk mar <<<"$layout"
  echo "== bench (GPU, layout: speckle $spk invocations a line, march $mar)"
  for size in "1024 50" "4096 200"; do
    read -r samples frames <<<"$size"
    SONOSPINE_GPU_SPECKLE_LANES=$spk SONOSPINE_GPU_MARCH_LANES=$mar \
      "$EXE" bench --backend gpu --lines 256 --samples "$samples" --frames "$frames"
  done
done

echo "== CPU vs GPU images"
views=(
  "scenarios/normal-adult.json L3-L4 near-spinous"
  "scenarios/normal-adult.json L3-L4 transverse-interlaminar"
  "scenarios/normal-adult.json L3-L4 parasagittal-oblique"
  "scenarios/wei2023-case2.json L4-L5 near-spinous"
  "scenarios/wei2023-case4.json L4-L5 parasagittal-oblique"
  "scenarios/wei2023-case6.json L4-L5 near-spinous"
  "scenarios/wei2023-case7.json L4-L5 transverse-spinous"
)
i=0
for v in "${views[@]}"; do
  read -r scen level view <<<"$v"
  for be in cpu gpu; do
    "$EXE" render "$scen" --level "$level" --view "$view" --backend "$be" --lines 256 --samples 1024 \
      -o "$OUT/$i-$be.png" --envelope "$OUT/$i-$be.f32" --labels "$OUT/$i-$be.u8" >/dev/null
  done
  python3 - "$OUT/$i" "$scen $level $view" <<'PY'
import array, math, sys
base, name = sys.argv[1], sys.argv[2]
def load(kind, code):
    a = array.array(code)
    with open(f"{base}-{kind}", "rb") as f:
        a.frombytes(f.read())
    return a
c, g = load("cpu.f32", "f"), load("gpu.f32", "f")
lc, lg = load("cpu.u8", "B"), load("gpu.u8", "B")
peak = max(c)
floor = peak * 10 ** (-80 / 20)  # 80 dB below the brightest sample: below the display
d = sorted(abs(20 * math.log10(x / y)) for x, y in zip(c, g) if x > floor and y > floor)
p99 = d[int(0.99 * (len(d) - 1))] if d else 0.0
same = sum(1 for x, y in zip(lc, lg) if x == y) / len(lc)
print(f"{name:55s} envelope max {d[-1] if d else 0:.3f} dB, p99 {p99:.4f} dB; labels equal {100 * same:.2f} %")
PY
  i=$((i + 1))
done
