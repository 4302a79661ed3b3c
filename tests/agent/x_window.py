"""A real X11 window for the agent tests: `python x_window.py TITLE`.

Run it through a symlink to the interpreter named like an application (`stwriter`, `chromium`): the
process name is what the agent reports as the application. Like GTK, Qt and browser windows (and unlike
bare Tk) it sets _NET_WM_PID, which is how a window says which process owns it. Prints the window's X id
once it is mapped; then each line on stdin `title NEW TITLE` retitles it and is answered `ok`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tkinter as tk


def main() -> None:
    root = tk.Tk()
    root.title(sys.argv[1])
    root.geometry("320x200+10+10")
    tk.Label(root, text=sys.argv[1]).pack()
    root.update()
    # Tk draws into a child of the top-level X window that carries the title (its "wrapper"); without a
    # window manager `wm frame` names the child, so ask the X server for the parent.
    tree = subprocess.run(["xwininfo", "-id", str(root.winfo_id()), "-children"], capture_output=True, text=True)
    found = re.search(r"Parent window id: (0x[0-9a-f]+)", tree.stdout)
    assert found, tree.stdout + tree.stderr
    window = int(found[1], 16)
    pid = ["xprop", "-id", str(window), "-f", "_NET_WM_PID", "32c", "-set", "_NET_WM_PID", str(os.getpid())]
    subprocess.run(pid, check=True)

    def command(_file: object, _mask: object) -> None:
        line = sys.stdin.readline()
        if not line:  # the test closed our stdin: it is over
            root.destroy()
            return
        if line.startswith("title "):
            root.title(line[len("title ") :].rstrip("\n"))
            root.update()
            print("ok", flush=True)

    root.tk.createfilehandler(sys.stdin, tk.READABLE, command)
    print(window, flush=True)
    root.mainloop()


if __name__ == "__main__":
    main()
