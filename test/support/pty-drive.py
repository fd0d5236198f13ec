#!/usr/bin/env python3
"""Drive a program through a real pseudo-terminal, as a person at a keyboard.

usage: pty-drive.py STEPS_JSON -- COMMAND [ARGS...]

STEPS_JSON is a list of {"send": "keys"} and {"expect": "regex"} steps; an
expect waits (up to 10 s) until the output since the previous expect matches.
Prints one JSON object: {"ok", "failed", "output", "status"}.
"""
import fcntl, json, os, pty, re, select, struct, sys, termios, time

steps = json.loads(sys.argv[1])
command = sys.argv[sys.argv.index("--") + 1:]

pid, fd = pty.fork()
if pid == 0:
    os.execvpe(command[0], command, os.environ)

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
output = b""
mark = 0
failed = None


def pump(timeout):
    global output
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return False
    try:
        data = os.read(fd, 65536)
    except OSError:
        return None
    if not data:
        return None
    output += data
    return True


for i, step in enumerate(steps):
    if "send" in step:
        os.write(fd, step["send"].encode())
        time.sleep(0.05)
    if "expect" in step:
        deadline = time.time() + 10
        pattern = re.compile(step["expect"].encode(), re.S)
        while True:
            m = pattern.search(output, mark)
            if m:
                mark = m.end()
                break
            if time.time() > deadline or pump(0.2) is None and not pattern.search(output, mark):
                failed = i
                break
        if failed is not None:
            break

# Drain until the child exits (or 5 s).
status = None
deadline = time.time() + 5
while time.time() < deadline:
    done, code = os.waitpid(pid, os.WNOHANG)
    if done:
        status = os.waitstatus_to_exitcode(code)
        while pump(0.05):
            pass
        break
    pump(0.1)
if status is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)

print(json.dumps({"ok": failed is None, "failed": failed, "output": output.decode("utf-8", "replace"), "status": status}))
