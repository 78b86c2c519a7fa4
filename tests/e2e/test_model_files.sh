#!/usr/bin/env bash
# Issue 6 end to end: a malicious PyTorch checkpoint is rejected, a benign one
# accepted; a pickle hiding behind a harmless extension is found; a key inside
# a notebook output is found with its cell.
source "$(dirname "$0")/lib.sh"

python3 "$SRC/tests/fixtures/make_model_fixtures.py" "$T/fixtures" >/dev/null
start_daemon
server=$(new_server models)
work=$(new_clone "$server" work)
commit_file "$work" README.md "# models
" "initial"
push "$work" origin HEAD:main
expect_accepted "initial push"

mkdir -p "$work/weights"
cp "$T/fixtures/torch/model.pt" "$work/weights/model.pt"
git -C "$work" add weights && git -C "$work" commit -q -m "benign checkpoint"
push "$work" origin HEAD:main
expect_accepted "a benign PyTorch checkpoint is accepted"

cp "$T/fixtures/torch/malicious.pt" "$work/weights/finetuned.pt"
git -C "$work" add weights && git -C "$work" commit -q -m "malicious checkpoint"
push "$work" origin HEAD:main
expect_rejected "a PyTorch checkpoint whose pickle calls os.system is rejected"
expect_output "the finding names the file" "weights/finetuned.pt"
expect_output "the finding names the dangerous global" "system"
git -C "$work" reset -q --hard origin/main

hidden=$(find "$T/fixtures" -path '*hidden*' -type f | head -1)
cp "$hidden" "$work/notes.txt"
git -C "$work" add notes.txt && git -C "$work" commit -q -m "harmless-looking file"
push "$work" origin HEAD:main
expect_rejected "a malicious pickle with a harmless extension is found by content"
git -C "$work" reset -q --hard origin/main

key=$(fake_openai_key)
python3 - "$work/analysis.ipynb" "$key" <<'PY'
import json, sys
nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
  {"cell_type": "markdown", "metadata": {}, "source": ["# Analysis\n"]},
  {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["import os\n", "print(os.environ)\n"],
   "outputs": [{"output_type": "stream", "name": "stdout", "text": ["{'OPENAI_API_KEY': \"" + sys.argv[2] + "\"}\n"]},
               {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo" + "A" * 4000}}]}]}
json.dump(nb, open(sys.argv[1], "w"), indent=1)
PY
git -C "$work" add analysis.ipynb && git -C "$work" commit -q -m "notebook with outputs"
push "$work" origin HEAD:main
expect_rejected "a key printed in a notebook output is rejected"
expect_output "the finding names the cell" "cell 2 output"
expect_no_output "the full key never appears" "$key"

finish
