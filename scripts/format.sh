#!/usr/bin/env bash
# Reformat every C++ source in place with the repository's .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -co --exclude-standard '*.h' '*.cpp' | xargs -r clang-format -i
