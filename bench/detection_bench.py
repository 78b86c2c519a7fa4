#!/usr/bin/env python3
"""Detection benchmark (issue 16): recall and false-block rate per family.

Not a test. Generates a labelled corpus -- positives from each format's
documented grammar (prefix, length, alphabet, embedded constants), and
realistic look-alikes (documentation placeholders, redacted samples,
hashes, UUIDs, base64 images, throwaway local credentials, parser
constants, env templates, RTL strings, emoji) -- writes every sample as its
own file in a fresh repository, runs `refguard scan --format json` with the
default policy over it, and scores, per family, the share of positives
blocked (recall) and of look-alikes blocked (false blocks).

    python3 bench/detection_bench.py [--bin build/bin] [--per-family 40] [--seed 7]
    python3 bench/detection_bench.py --history REPO [--range REV]   # blocks and warnings per 1,000 commits, per rule

Python 3 standard library only; same seed, same corpus.
"""
import argparse, base64, json, os, random, string, subprocess, sys, tempfile, zipfile, io, gzip

A = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64 = A + "+/"


def r(alphabet, n):
    return "".join(random.choice(alphabet) for _ in range(n))


def digits(n):
    return r(string.digits, n)


def uuid():
    return "-".join(r(HEX, k) for k in (8, 4, 4, 4, 12))


# Each family: (positives, look-alikes), lists of (path, content) generators.
def families():
    zw, rlo, lri, pdi, rle, pdf = "\u200b", "\u202e", "\u2066", "\u2069", "\u202b", "\u202c"
    heb = "\u05e9\u05dc\u05d5\u05dd"
    F = {}
    F["ai-providers"] = (
        [lambda: ("a.py", f'client = OpenAI(api_key="sk-proj-{r(A, 74)}T3BlbkFJ{r(A, 74)}")\n'),
         lambda: ("a.env", f"ANTHROPIC_API_KEY=sk-ant-api03-{r(A + '-_', 93)}AA\n"),
         lambda: ("a.py", f'genai.configure(api_key="AIza{r(A + "-_", 35)}")\n'),
         lambda: ("a.py", f'login(token="hf_{r(string.ascii_letters, 34)}")\n'),
         lambda: ("a.py", f'TOKEN = "ABSKQmVkcm9ja0FQSUtleS1{r(B64, 120)}"\n'),
         lambda: ("a.py", f'GROQ_API_KEY = "gsk_{r(A, 52)}"\n'),
         lambda: ("a.env", f"NVIDIA_API_KEY=nvapi-{r(A + '-_', 63)}Q\n"),
         lambda: ("a.env", f"TAVILY_API_KEY=tvly-{r(A, 32)}\n")],
        [lambda: ("a.py", 'client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])\n'),
         lambda: ("a.md", "Set OPENAI_API_KEY=sk-proj-... in your .env\n"),
         lambda: ("a.env", f"OPENAI_API_KEY=sk-proj-{'x' * 52}\n"),
         lambda: ("a.js", 'const firebaseConfig = { apiKey: "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO" };\n'),
         lambda: ("a.py", f'GOOGLE_API_KEY = "AIza{r(A, 20)}"  # truncated\n'),
         lambda: ("a.py", 'ANTHROPIC_API_KEY = "sk-ant-api03-YOUR_KEY_HERE"\n')])
    F["clouds"] = (
        [lambda: ("a.env", f"AWS_ACCESS_KEY_ID=AKIA{r('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}\n"),
         lambda: ("a.env", f"DIGITALOCEAN_TOKEN=dop_v1_{r(HEX, 64)}\n"),
         lambda: ("a.env", f"DATABRICKS_TOKEN=dapi{r(HEX, 32)}\n"),
         lambda: ("a.env", f"VAULT_TOKEN=hvs.{r(A + '_-', 95)}\n"),
         lambda: ("a.env", f"AZURE_CLIENT_SECRET={r(A, 3)}8Q~{r(A + '_-', 31)}\n")],
        [lambda: ("a.env", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"),
         lambda: ("a.txt", f"digest sha256:{r(HEX, 64)}\n"),
         lambda: ("a.py", f'request_id = "{uuid()}"\n'),
         lambda: ("a.env", "VAULT_TOKEN=hvs.your-vault-token\n")])
    F["forges"] = (
        [lambda: ("a.sh", f"git clone https://ghp_{r(A, 36)}@github.com/o/r\n"),
         lambda: ("a.env", f"GITLAB_TOKEN=glpat-{r(A + '_-', 20)}\n"),
         lambda: ("a.npmrc", f"//registry.npmjs.org/:_authToken=npm_{r(A, 36)}\n"),
         lambda: ("a.pypirc", f"password = pypi-AgEIcHlwaS5vcmc{r(A + '_-', 140)}\n")],
        [lambda: ("a.txt", f"commit {r(HEX, 40)}\n"),
         lambda: ("a.env", "GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}\n"),
         lambda: ("a.md", "Tokens look like ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n")])
    F["payment"] = (
        [lambda: ("a.env", f"STRIPE_SECRET_KEY=sk_live_{r(A, 99)}\n"),
         lambda: ("a.env", f"STRIPE_WEBHOOK_SECRET=whsec_{r(A, 32)}\n"),
         lambda: ("a.env", f"SHOPIFY_TOKEN=shpat_{r(HEX, 32)}\n")],
        [lambda: ("a.env", f"STRIPE_SECRET_KEY=sk_test_{r(A, 99)}\n"),
         lambda: ("a.env", "STRIPE_SECRET_KEY=sk_live_...\n"),
         lambda: ("a.env", f"STRIPE_PUBLISHABLE_KEY=pk_live_{r(A, 99)}\n")])
    F["messaging"] = (
        [lambda: ("a.env", f"SLACK_BOT_TOKEN=xoxb-{digits(12)}-{digits(13)}-{r(A, 24)}\n"),
         lambda: ("a.env", f"SLACK_LEGACY=xoxb-{digits(10)}-{r(A, 24)}\n"),
         lambda: ("a.env", f"SLACK_USER=xoxe-{digits(12)}-{digits(12)}-{digits(13)}-{r(HEX, 32)}\n"),
         lambda: ("a.env", f"SLACK_WS=xoxa-2-{digits(9)}-{digits(11)}-{digits(13)}-{r(HEX, 18)}\n"),
         lambda: ("a.env", f"SLACK_WEBHOOK=https://hooks.slack.com/services/T{r(string.ascii_uppercase + string.digits, 10)}/B{r(string.ascii_uppercase + string.digits, 10)}/{r(A, 24)}\n"),
         lambda: ("a.env", f"SENDGRID_API_KEY=SG.{r(A + '_-', 22)}.{r(A + '_-', 43)}\n"),
         lambda: ("a.env", f"TELEGRAM_BOT_TOKEN={digits(10)}:AA{r(A + '_-', 32)}Q\n")],
        [lambda: ("a.env", f"SLACK_BOT_TOKEN=xoxb-{digits(12)}-{digits(13)}-####\n"),
         lambda: ("a.env", "SLACK_BOT_TOKEN=xoxb-your-bot-token\n"),
         lambda: ("a.env", "SLACK_WEBHOOK=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n"),
         lambda: ("a.env", f"TWILIO_ACCOUNT_SID=AC{r(HEX, 32)}\n")])
    F["database-urls"] = (
        [lambda: ("a.env", f"DATABASE_URL=postgres://app:{r(A, 20)}@db.prod.internal.net:5432/app\n"),
         lambda: ("a.py", f'MONGO = "mongodb+srv://svc:{r(A, 18)}@cluster0.ab1cd.mongodb.net/x"\n'),
         lambda: ("a.env", f"REDIS_URL=redis://:{r(A, 24)}@cache:6379/0\n")],
        [lambda: ("a.py", 'URL = "postgresql://testuser:testpwd@localhost:5432/vectordb"\n'),
         lambda: ("a.py", 'URL = "mongodb://mongodb_user:mongodb_password@localhost:27017/x"\n'),
         lambda: ("a.tsx", 'placeholder="postgresql://username:userpass@localhost/mydb"\n'),
         lambda: ("a.env", "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app\n"),
         lambda: ("a.yaml", "url: mysql://shop:shop_pass123@db.example.com/shop\n")])
    F["private-keys"] = (
        [lambda: ("k.pem", "-----BEGIN RSA PRIVATE KEY-----\nMIIE" + r(B64, 60) + "\n" + "\n".join(r(B64, 64) for _ in range(20)) + "\n-----END RSA PRIVATE KEY-----\n"),
         lambda: ("k.json", '{"key": "-----BEGIN EC PRIVATE KEY-----\\nMHcC' + r(B64, 60) + '\\n' + r(B64, 50) + '\\n-----END EC PRIVATE KEY-----\\n"}\n')],
        [lambda: ("a.py", 'HEADER = "-----BEGIN RSA PRIVATE KEY-----"\n'),
         lambda: ("a.md", "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n"),
         lambda: ("a.txt", "-----BEGIN PUBLIC KEY-----\nMIIB" + r(B64, 60) + "\n-----END PUBLIC KEY-----\n")])
    F["hidden-unicode-code"] = (
        [lambda: (random.choice(["a.c", "a.go", "a.rs", "a.js", "a.ts", "a.cs", "a.java", "a.sh", "a.rb", "a.php"]),
                  f'if (level != "user{rlo} {lri}// admin{pdi} {lri}") {{}}\n'),
         lambda: (random.choice(["a.go", "a.py", "a.js", "a.kt", "a.swift"]), f"is{zw}Admin = check(u)\n"),
         lambda: ("a.py", "def p\u0430ypal(x):\n    return x\n")],
        [lambda: ("a.py", f'msg = "\u2067{heb}\u2069"\n'),
         lambda: ("a.js", f"const m = '{rle}{heb}{pdf}';\n"),
         lambda: ("a.ts", 'const family = "\U0001F468\u200d\U0001F469";\n'),
         lambda: ("a.md", f"text {rlo} prose\n"),
         lambda: ("a.py", "\u0394t = 0.1\n"),
         lambda: ("n.ipynb", json.dumps({"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["print(p)"],
                   "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"scraped {rle} text"]}]}],
                   "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))])
    F["encodings-containers"] = (
        [lambda: ("s.ini", ("token = ghp_" + r(A, 36) + "\n").encode("utf-16")),
         lambda: ("s.txt", ("token = ghp_" + r(A, 36) + "\n").encode("utf-16-le")),
         lambda: ("b.zip", zip_bytes("conf/.env", "GH=ghp_" + r(A, 36) + "\n")),
         lambda: ("b.gz", gzip.compress(("GH=ghp_" + r(A, 36) + "\n").encode())),
         lambda: ("s.yaml", "data:\n  token: " + base64.b64encode(("GH=ghp_" + r(A, 36)).encode()).decode() + "\n"),
         lambda: ("t.bin", b"\x00\x01\x02" * 20 + ("TOKEN=ghp_" + r(A, 36)).encode() + b"\x00" * 20)],
        [lambda: ("i.md", "![x](data:image/png;base64," + base64.b64encode(bytes(random.getrandbits(8) for _ in range(300))).decode() + ")\n"),
         lambda: ("r.bin", bytes(random.getrandbits(8) for _ in range(4096))),
         lambda: ("c.zip", zip_bytes("readme.txt", "hello world, nothing to see\n"))])
    F["env-templates"] = (
        [lambda: (".env", "DEBUG=1\n"), lambda: ("app/.env.production", "DEBUG=0\n")],
        [lambda: (".env.default", "OPENAI_API_KEY=\n"), lambda: (".env.example", "OPENAI_API_KEY=\n"),
         lambda: ("app/.env.local.example", "X=\n"), lambda: (".env.template", "X=\n")])
    return F


def zip_bytes(name, text):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, text)
    return buffer.getvalue()


def history(args):
    """Blocks and warnings per 1,000 commits, per rule, over a real history."""
    command = [os.path.join(args.bin, "refguard"), "scan", "--repo", args.history, "--format", "json"]
    if args.range:
        command.append(args.range)
    report = json.loads(subprocess.run(command, capture_output=True, text=True).stdout)
    commits = max(1, report["commits"])
    per_rule = {}
    for f in report["findings"]:
        per_rule.setdefault((f["rule"], f["severity"]), set()).add((f["commit"], f["path"], f["line"]))
    print(f"{args.history}: {report['commits']} commits, {report['files']} files")
    print("| rule | severity | findings | per 1,000 commits |")
    print("|---|---|---|---|")
    for (rule, severity), found in sorted(per_rule.items(), key=lambda item: -len(item[1])):
        print(f"| {rule} | {severity} | {len(found)} | {1000.0 * len(found) / commits:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.environ.get("REFGUARD_BUILD", "build") + "/bin")
    parser.add_argument("--per-family", type=int, default=40, help="samples of each generator")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--history", help="a repository: report findings per 1,000 commits of its history instead")
    parser.add_argument("--range", default="", help="revision or range for --history (default: every ref)")
    args = parser.parse_args()
    if args.history:
        return history(args)
    random.seed(args.seed)
    with tempfile.TemporaryDirectory(prefix="refguard-detect-") as repo:
        subprocess.run(["git", "init", "-q", repo], check=True)
        labels = {}  # path -> (family, positive)
        for family, (positives, lookalikes) in families().items():
            for positive, generators in ((True, positives), (False, lookalikes)):
                for g, generate in enumerate(generators):
                    for i in range(args.per_family):
                        name, content = generate()
                        directory = f"{family}/{'pos' if positive else 'neg'}{g}_{i}"
                        path = f"{directory}/{name}"
                        os.makedirs(os.path.dirname(os.path.join(repo, path)), exist_ok=True)
                        with open(os.path.join(repo, path), "wb") as out:
                            out.write(content if isinstance(content, bytes) else content.encode())
                        labels[path] = (family, positive)
        subprocess.run(["git", "-C", repo, "add", "-A"], check=True)
        subprocess.run(["git", "-C", repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "corpus"], check=True)
        report = subprocess.run([os.path.join(args.bin, "refguard"), "scan", "--repo", repo, "--format", "json"],
                                capture_output=True, text=True)
        findings = json.loads(report.stdout)["findings"]
    blocked = {f["path"] for f in findings if f["severity"] == "block"}
    print(f"| family | positives | recall | look-alikes | false blocks |")
    print(f"|---|---|---|---|---|")
    total = {"pos": 0, "hit": 0, "neg": 0, "fb": 0}
    for family in families():
        pos = [p for p, (f, k) in labels.items() if f == family and k]
        neg = [p for p, (f, k) in labels.items() if f == family and not k]
        hit = sum(p in blocked for p in pos)
        fb = sum(p in blocked for p in neg)
        total["pos"] += len(pos); total["hit"] += hit; total["neg"] += len(neg); total["fb"] += fb
        print(f"| {family} | {len(pos)} | {100.0 * hit / max(1, len(pos)):.1f} % | {len(neg)} | {100.0 * fb / max(1, len(neg)):.2f} % |")
    print(f"| **all** | {total['pos']} | {100.0 * total['hit'] / total['pos']:.1f} % | {total['neg']} | {100.0 * total['fb'] / total['neg']:.2f} % |")
    missed = sorted(p for p, (f, k) in labels.items() if k and p not in blocked)
    wrong = sorted(p for p, (f, k) in labels.items() if not k and p in blocked)
    for p in missed[:10]: print("missed:", p, file=sys.stderr)
    for p in wrong[:10]: print("false block:", p, file=sys.stderr)


if __name__ == "__main__":
    main()
