#!/usr/bin/env python3
"""Sends hand-made bytes to refguardd and prints the answer (for robustness tests).

usage: raw_client.py SOCKET [--timeout S] ITEM...
ITEM: p:TEXT (a pkt-line, LF added), f (flush 0000), x:HEX (raw bytes), r:N*BYTE (N copies of one character)
"""
import socket
import sys


def encode(items):
    out = b""
    for item in items:
        kind, _, value = item.partition(":")
        if kind == "p":
            payload = value.encode() + b"\n"
            out += b"%04x" % (len(payload) + 4) + payload
        elif kind == "f":
            out += b"0000"
        elif kind == "x":
            out += bytes.fromhex(value)
        elif kind == "r":
            count, _, char = value.partition("*")
            out += char.encode() * int(count)
        else:
            raise SystemExit("unknown item " + item)
    return out


def main():
    args = sys.argv[1:]
    path = args.pop(0)
    timeout = 5.0
    if args and args[0] == "--timeout":
        timeout = float(args[1])
        args = args[2:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    try:
        sock.sendall(encode(args))
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.settimeout(timeout)
    out = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    sys.stdout.write(out.decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
