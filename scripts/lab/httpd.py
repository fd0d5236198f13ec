#!/usr/bin/env python3
"""The external host's server in the lab: what the simulator's generic HTTP
listener answers (src/simulate/apps/http.ts plainResponse), written the way a
small server does it: the head with one send(), the body with another, on a
socket with default options (Nagle on). Keeps the connection until the client
closes it, then closes its side.

    httpd.py PORT NAME        # body: "python on NAME\\n"
"""
import socket
import sys
import threading

port, name = int(sys.argv[1]), sys.argv[2]
body = f"python on {name}\n".encode()
head = (
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    f"Content-Length: {len(body)}\r\n"
    "\r\n"
).encode()


def serve(conn):
    buf = b""
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while b"\r\n\r\n" in buf:
                _, buf = buf.split(b"\r\n\r\n", 1)
                conn.send(head)
                conn.send(body)


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", port))
srv.listen(16)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
