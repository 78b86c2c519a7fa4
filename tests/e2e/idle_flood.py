#!/usr/bin/env python3
"""Opens many idle connections to a Unix socket and holds them (issue 15, item 4).

usage: idle_flood.py SOCKET COUNT SECONDS
Prints how many connections it opened. Connections the daemon closes are
opened again, so the flood lasts SECONDS. Raises its own open-files limit.
"""
import resource
import socket
import sys
import time


def main():
    path, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 64)), hard))
    open_socks, opened = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        # Drop the ones the daemon closed, then top up.
        alive = []
        for s in open_socks:
            try:
                s.setblocking(False)
                if s.recv(1, socket.MSG_PEEK) == b"":
                    s.close()
                    continue
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                continue
            alive.append(s)
        open_socks = alive
        while len(open_socks) < count and time.monotonic() < end:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(0.2)
            try:
                s.connect(path)
            except OSError:
                s.close()
                break
            open_socks.append(s)
            opened += 1
        time.sleep(0.05)
    print(opened)


if __name__ == "__main__":
    main()
