#!/usr/bin/env bash
# Rebuilds the C userland (test/programs/c/*.c) into committed WebAssembly modules with Debian's clang and
# wasi-libc, and records each source's sha256 in manifest.json: test/wasi.test.ts fails when a source no
# longer matches its build. Needs: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32.
set -euo pipefail
cd "$(dirname "$0")/../test/programs/c"
command -v clang >/dev/null || { echo "build-c: clang not found (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)" >&2; exit 1; }
echo '{' > manifest.json.new
first=1
for src in *.c; do
  out="${src%.c}.wasm"
  clang --target=wasm32-wasi -O2 -Wall -Werror -o "$out" "$src"
  sum=$(sha256sum "$src" | cut -d' ' -f1)
  [ $first = 1 ] || echo ',' >> manifest.json.new
  printf '  "%s": "%s"' "$src" "$sum" >> manifest.json.new
  first=0
done
printf '\n}\n' >> manifest.json.new
mv manifest.json.new manifest.json
echo "build-c: built $(ls *.c | wc -l) programs"
