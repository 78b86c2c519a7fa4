#!/usr/bin/env bash
# Issue 16 and issue 15 (items 7, 15) end to end: real pushes for the new
# rule families (Bedrock, Slack, provider families), hidden Unicode and
# confusable identifiers in ordinary source files, keys in UTF-16 files,
# binary files, base64 runs and zip members, an imported gitleaks config,
# and the look-alikes that must pass; then `refguard scan` over the history.
source "$(dirname "$0")/lib.sh"

cat >"$T/gitleaks.toml" <<'TOML'
title = "acme"
[[rules]]
id = "acme-api-key"
description = "ACME internal API key"
regex = '''\b(acme_[a-z0-9]{32})\b'''
secretGroup = 1
keywords = ["acme_"]
[[rules.allowlists]]
paths = ['''^fixtures/''']
TOML
cat >"$T/policy.toml" <<'TOML'
version = 1
[import]
gitleaks = "gitleaks.toml"
TOML
start_daemon --config "$T/policy.toml"
new_app

# reject_file PATH CONTENT RULE WHAT: one commit with the file, rejected by RULE.
reject_file() {
  commit_file "$work" "$1" "$2" "add $1"
  push "$work" origin HEAD:main
  expect_rejected "$4"
  expect_output "$4: reported by $3" "[$3]"
  git -C "$work" reset -q --hard origin/main
}
accept_file() {
  commit_file "$work" "$1" "$2" "add $1"
  push "$work" origin HEAD:main
  expect_accepted "$3"
  git -C "$work" fetch -q origin
}

b64() { LC_ALL=C tr -dc 'A-Za-z0-9+/' </dev/urandom | head -c "$1"; }
digits() { LC_ALL=C tr -dc '0-9' </dev/urandom | head -c "$1"; }

# New families.
reject_file bedrock.py "import boto3
TOKEN = \"ABSKQmVkcm9ja0FQSUtleS1$(b64 120)\"
" aws-bedrock-api-key "a long-lived Bedrock API key"
reject_file notify.py "SLACK = \"xoxb-$(digits 11)-$(rand_alnum 24)\"
" slack-token "a legacy Slack bot token with one numeric segment"
reject_file .npmrc "//registry.npmjs.org/:_authToken=npm_$(rand_alnum 36)
" package-registry-token "an npm token"
reject_file client.py "key = \"acme_$(rand_hex 32)\"
" gitleaks.acme-api-key "a rule imported from the admin's gitleaks.toml"

# Hidden Unicode and homoglyphs in ordinary code.
zwsp=$(printf '\u200b'); rlo=$(printf '\u202e'); cyr_a=$(printf '\u0430')
reject_file cmd/main.go "package main
func is${zwsp}Admin() bool { return true }
" invisible-unicode-code "a zero-width space in a Go identifier"
reject_file src/lib.rs "fn check(level: &str) -> bool { level != \"user${rlo} \" }
" trojan-source-bidi "a bidi override in Rust"
reject_file pay.py "def p${cyr_a}ypal(amount):
    return amount
" confusable-identifier "a Cyrillic letter in a Python function name"
reject_file rules/style.mdc "---
alwaysApply: true
---
Use tabs.${zwsp}
" hidden-unicode-agent-files "an .mdc rule file outside .cursor/rules"

# Keys behind encodings and containers.
gh="ghp_$(rand_alnum 36 || true)"
python3 - "$work/settings.ini" "$gh" <<'PY'
import sys
open(sys.argv[1], "wb").write(("[auth]\ntoken = " + sys.argv[2] + "\n").encode("utf-16"))
PY
git -C "$work" add settings.ini && git -C "$work" commit -qm "utf-16 settings"
push "$work" origin HEAD:main
expect_rejected "a key in a UTF-16 file with a BOM"
expect_output "UTF-16 decoding is named" "UTF-16"
git -C "$work" reset -q --hard origin/main
python3 - "$work/bundle.zip" "$gh" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("conf/app.env", "GH_TOKEN=" + sys.argv[2] + "\n")
PY
git -C "$work" add bundle.zip && git -C "$work" commit -qm "zip"
push "$work" origin HEAD:main
expect_rejected "a key in a zip member"
expect_output "the member is named" "conf/app.env"
git -C "$work" reset -q --hard origin/main
reject_file k8s/secret.yaml "apiVersion: v1
kind: Secret
data:
  token: $(printf 'GITHUB_TOKEN=%s' "$gh" | base64 -w0)
" github-token "a key in a base64 run"

# Look-alikes that must pass.
accept_file notify_doc.py "SLACK = \"xoxb-$(digits 12)-$(digits 12)-####\"
" "a Slack placeholder ending in ####"
accept_file tests/db_test.py "URL = \"postgresql://testuser:testpwd@localhost:5432/vectordb\"
MONGO = \"mongodb://mongodb_user:mongodb_password@localhost:27017/agents\"
" "database URLs to localhost with throwaway credentials"
accept_file .env.default "OPENAI_API_KEY=
" "an .env.default template"
accept_file docs/pem.py "HEADER = \"-----BEGIN RSA PRIVATE KEY-----\"
" "a PEM armour line without a key body"
accept_file web/firebase.js "const firebaseConfig = { apiKey: \"AIzaSyDOCAbC123dEf456GhI789jKl012-MnO\" };
" "Google's published Firebase example key"
rle=$(printf '\u202b')
accept_file scrape.ipynb "{\"cells\":[{\"cell_type\":\"code\",\"execution_count\":1,\"metadata\":{},\"source\":[\"print(page)\"],\"outputs\":[{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":[\"scraped ${rle} text\"]}]}],\"metadata\":{},\"nbformat\":4,\"nbformat_minor\":5}
" "bidi in a notebook's output text"
accept_file fixtures/client.py "key = \"acme_$(rand_hex 32)\"
" "the imported gitleaks allowlist path"

# Look-alikes found on real agent frameworks' releases (bench/npm_release_history.sh).
accept_file dist/index.cjs "const require_runtime = require('../runtime.cjs');
const helpers = 1;
require('../a.cjs');
" "a CommonJS file that parses as a pickle but cannot load"
expect_no_output "the CommonJS file is no pickle warning" "unsafe-pickle-model"
accept_file docs/mongodb.md "Connect with \`mongodb+srv://user:password\\@cluster.mongodb.net/db\`.
" "a docs placeholder URL with a Markdown-escaped @"
accept_file src/glob.ts "/**
 * - \`*\` or \`*${zwsp}/*\` match anything
 */
export const glob = 1;
" "the JSDoc idiom *<ZWSP>/* in a comment"

# The same engine offline: refguard scan finds the families in a history.
scanrepo="$T/scanrepo"
git init -q "$scanrepo"
printf 'TOKEN = "ABSKQmVkcm9ja0FQSUtleS1%s"\n' "$(b64 120)" >"$scanrepo/a.py"
printf 'package main\nfunc is%sAdmin() bool { return true }\n' "$zwsp" >"$scanrepo/b.go"
printf 'key = "acme_%s"\n' "$(rand_hex 32)" >"$scanrepo/c.py"
git -C "$scanrepo" add -A && git -C "$scanrepo" -c user.name=t -c user.email=t@t commit -qm all
set +e
OUT=$("$BIN/refguard" scan --repo "$scanrepo" --config "$T/policy.toml" --format json 2>&1)
set -e
expect_output "scan: Bedrock" "aws-bedrock-api-key"
expect_output "scan: invisible Unicode in Go" "invisible-unicode-code"
expect_output "scan: imported gitleaks rule" "gitleaks.acme-api-key"

finish
