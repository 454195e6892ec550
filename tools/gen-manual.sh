#!/usr/bin/env bash
# The man pages under docs/man/, generated from the commands' definitions by swift-argument-parser's
# GenerateManual plugin (one page per subcommand). Rerun after changing an option or its help.
# Shell completions need no file: `onnxcost --generate-completion-script bash|zsh|fish`.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf docs/man
mkdir -p docs/man
swift package --allow-writing-to-directory docs/man generate-manual --output-directory "$PWD/docs/man" --multi-page
ls docs/man
