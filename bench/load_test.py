#!/usr/bin/env python3
"""Load test (issue 8): N concurrent pushers to M bare repositories for S seconds,
loopback only, bounded in count and time. Every push's verdict is checked
(a push carrying a fake key must be rejected, a clean one accepted); reports
pushes/s, latency median and p99, and the daemon's memory over time.

usage: bench/load_test.py --bin build/bin [--pushers 50] [--repos 20] [--seconds 60]
"""
import argparse, os, random, shutil, statistics, string, subprocess, sys, tempfile, threading, time


def run(*args, cwd=None, env=None, check=True):
    return subprocess.run(args, cwd=cwd, env=env, check=check, capture_output=True, text=True)


def fake_key(rng):
    alnum = string.ascii_letters + string.digits
    return "sk-proj-" + "".join(rng.choice(alnum) for _ in range(74)) + "T3BlbkFJ" + "".join(rng.choice(alnum) for _ in range(74))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--pushers", type=int, default=50)
    parser.add_argument("--repos", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-pushes", type=int, default=100000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="refguard-load.")
    env = dict(os.environ, HOME=tmp, GIT_CONFIG_NOSYSTEM="1")
    run("git", "config", "--global", "user.email", "load@example.test", env=env)
    run("git", "config", "--global", "user.name", "Load", env=env)
    run("git", "config", "--global", "init.defaultBranch", "main", env=env)
    sock = os.path.join(tmp, "d.sock")
    log = open(os.path.join(tmp, "daemon.log"), "w")
    daemon = subprocess.Popen([os.path.join(args.bin, "refguardd"), "--socket", sock, "--state-dir", tmp + "/state"],
                              stdout=log, stderr=log)
    try:
        for _ in range(200):
            if run(os.path.join(args.bin, "refguard"), "status", "--socket", sock, check=False).returncode == 0:
                break
            time.sleep(0.05)
        repos = []
        for r in range(args.repos):
            repo = os.path.join(tmp, f"r{r}.git")
            run("git", "init", "-q", "--bare", repo, env=env)
            run(os.path.join(args.bin, "refguard"), "install", "--socket", sock, repo, env=env)
            repos.append(repo)
        latencies, wrong, lost, pushes = [], [], [], [0]
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def pusher(index):
            rng = random.Random(index)
            repo = repos[index % len(repos)]
            work = os.path.join(tmp, f"w{index}")
            run("git", "clone", "-q", repo, work, env=env, check=False)
            branch = f"p{index}"
            run("git", "checkout", "-q", "-b", branch, cwd=work, env=env)
            with open(os.path.join(work, "README.md"), "w") as f:
                f.write(f"pusher {index}\n")
            run("git", "add", "-A", cwd=work, env=env)
            run("git", "commit", "-q", "-m", "start", cwd=work, env=env)
            n = 0
            while time.monotonic() < deadline:
                with lock:
                    if pushes[0] >= args.max_pushes:
                        return
                    pushes[0] += 1
                n += 1
                bad = rng.random() < 0.2
                body = f"KEY = \"{fake_key(rng)}\"\n" if bad else f"value = {n}\n"
                with open(os.path.join(work, f"f{n % 5}.py"), "w") as f:
                    f.write(body)
                run("git", "add", "-A", cwd=work, env=env)
                run("git", "commit", "-q", "-m", f"c{n}", cwd=work, env=env)
                start = time.monotonic()
                result = run("git", "push", "-q", "origin", branch, cwd=work, env=env, check=False)
                elapsed = time.monotonic() - start
                out = result.stdout + result.stderr
                with lock:
                    latencies.append(elapsed)
                    if "daemon gave no verdict" in out:
                        lost.append(out)
                    elif bad != (result.returncode != 0):
                        wrong.append(out)
                if bad:
                    run("git", "reset", "-q", "--hard", "HEAD~1", cwd=work, env=env)

        memory = []

        def sample():
            start = time.monotonic()
            while time.monotonic() < deadline:
                memory.append((time.monotonic() - start, rss_kib(daemon.pid)))
                time.sleep(1)

        threads = [threading.Thread(target=pusher, args=(i,)) for i in range(args.pushers)]
        sampler = threading.Thread(target=sample)
        began = time.monotonic()
        sampler.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sampler.join()
        took = time.monotonic() - began
        lat = sorted(latencies)
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else 0
        after10 = [kib for t, kib in memory if t >= 10] or [kib for _, kib in memory]
        print(f"pushers={args.pushers} repos={args.repos} seconds={took:.1f} pushes={len(lat)}")
        print(f"pushes/s={len(lat) / took:.1f} latency median={statistics.median(lat) * 1000:.0f} ms p99={p99 * 1000:.0f} ms")
        print(f"daemon RSS: first={memory[0][1] // 1024 if memory else 0} MiB, after 10 s min={min(after10) // 1024} MiB "
              f"max={max(after10) // 1024} MiB, last={memory[-1][1] // 1024 if memory else 0} MiB")
        print(f"lost verdicts={len(lost)} wrong verdicts={len(wrong)}")
        for sample_out in (lost + wrong)[:3]:
            print("---\n" + sample_out)
        return 0 if not lost and not wrong else 1
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
