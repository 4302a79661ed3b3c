"""Start the agent at login: a systemd user unit (Linux), a LaunchAgent (macOS), a Startup-folder script
(Windows). Only the file is written; enabling it is the user's step (`instructions` says which), so that
installing never starts or restarts anything behind the user's back."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

UNIT_NAME = "selftime-agent.service"
LAUNCH_AGENT_LABEL = "org.selftime.agent"
STARTUP_SCRIPT = "selftime-agent.cmd"
# The agent syncs what is queued when it is stopped; give it time before a service manager kills it.
STOP_TIMEOUT_SECONDS = 30
RESTART_DELAY_SECONDS = 10


def system_name(system: str | None = None) -> str:
    """'linux', 'macos' or 'windows' (from platform.system()-style names); ValueError for others."""
    name = (system or sys.platform).strip().lower()
    if name.startswith("linux"):
        return "linux"
    if name in ("darwin", "macos", "mac", "osx"):
        return "macos"
    if name in ("windows", "win32", "cygwin"):
        return "windows"
    raise ValueError(f"no autostart for the system {system!r}: Linux, macOS (Darwin) and Windows are supported")


def autostart_path(system: str | None = None, home: Path | None = None) -> Path:
    """Where the autostart file goes; with `home` given, environment overrides ($XDG_CONFIG_HOME,
    %APPDATA%) are not consulted, so a test's temporary home stays self-contained."""
    kind = system_name(system)
    base = home if home is not None else Path.home()
    if kind == "linux":
        xdg = os.environ.get("XDG_CONFIG_HOME") if home is None else None
        config = Path(xdg) if xdg and Path(xdg).is_absolute() else base / ".config"
        return config / "systemd" / "user" / UNIT_NAME
    if kind == "macos":
        return base / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    appdata = os.environ.get("APPDATA") if home is None else None
    roaming = Path(appdata) if appdata else base / "AppData" / "Roaming"
    return roaming / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / STARTUP_SCRIPT


def default_command() -> list[str]:
    """`selftime agent run` of this very installation: the console script beside the interpreter, else the
    interpreter itself (the path is kept as given, not resolved: a virtualenv's python is a symlink)."""
    interpreter = Path(sys.executable)
    for name in ("selftime", "selftime.exe"):
        script = interpreter.with_name(name)
        if script.is_file():
            return [str(script), "agent", "run"]
    return [sys.executable, "-c", "from selftime.cli import main; main()", "agent", "run"]


def default_environment() -> dict[str, str]:
    """What the agent started at login must see as well: the data dir, when one was chosen."""
    data_dir = os.environ.get("SELFTIME_DATA_DIR", "").strip()
    return {"SELFTIME_DATA_DIR": str(Path(data_dir).expanduser().absolute())} if data_dir else {}


def install(
    system: str | None = None,
    home: Path | None = None,
    command: list[str] | None = None,
    *,
    environment: Mapping[str, str] | None = None,
) -> Path:
    """Write the autostart file for `system` (default: this one) and return its path. An existing file is
    replaced. `environment` defaults to the current SELFTIME_DATA_DIR, if set."""
    kind = system_name(system)
    argv = list(command) if command else default_command()
    env = dict(default_environment() if environment is None else environment)
    for key in env:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"{key!r} is not an environment variable name")
    path = autostart_path(kind, home)
    if kind == "linux":
        content = systemd_unit(_absolute_program(argv), env).encode()
    elif kind == "macos":
        content = launch_agent(_absolute_program(argv), env, log_dir=path.parents[1] / "Logs")
    else:
        content = startup_script(argv, env).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    draft.write_bytes(content)
    draft.chmod(0o644)  # launchd refuses a plist that others may write
    os.replace(draft, path)
    return path


def uninstall(system: str | None = None, home: Path | None = None) -> Path | None:
    """Remove the autostart file; returns its path, or None when there was none."""
    path = autostart_path(system, home)
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    return path


def instructions(path: Path, system: str | None = None, *, removed: bool = False) -> str:
    """What the user runs next (nothing here runs a service manager)."""
    kind = system_name(system)
    if kind == "linux":
        if removed:
            return f"removed {path}; if it was running: systemctl --user disable --now {UNIT_NAME}"
        return (
            f"wrote {path}; start the agent now and at every login with:\n"
            f"  systemctl --user daemon-reload && systemctl --user enable --now {UNIT_NAME.removesuffix('.service')}"
        )
    if kind == "macos":
        if removed:
            return f"removed {path}; if it was loaded: launchctl bootout gui/$(id -u)/{LAUNCH_AGENT_LABEL}"
        return f"wrote {path}; it starts at your next login, or now with:\n  launchctl bootstrap gui/$(id -u) '{path}'"
    if removed:
        return f"removed {path}; an agent already running keeps running until you close its window"
    return f"wrote {path}; the agent starts at your next login, in a minimized window"


# --- the three formats ------------------------------------------------------------------------------


def systemd_unit(argv: Sequence[str], environment: Mapping[str, str]) -> str:
    lines = [
        "# Written by `selftime agent install-autostart`. Start now and at every login:",
        "#   systemctl --user daemon-reload && systemctl --user enable --now selftime-agent",
        "[Unit]",
        "Description=Selftime agent: records the active window and syncs it to a Selftime server",
        # The agent needs the graphical session's display: start with the session, stop with it.
        "After=graphical-session.target",
        "PartOf=graphical-session.target",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_systemd_word(w, command=True) for w in argv),
        *(f"Environment={_systemd_word(f'{k}={v}', command=False)}" for k, v in sorted(environment.items())),
        f"TimeoutStopSec={STOP_TIMEOUT_SECONDS}",
        "Restart=on-failure",
        f"RestartSec={RESTART_DELAY_SECONDS}",
        "",
        "[Install]",
        "WantedBy=graphical-session.target",
        "",
    ]
    return "\n".join(lines)


def _systemd_word(word: str, *, command: bool) -> str:
    if "\n" in word or "\0" in word:
        raise ValueError(f"{word!r}: a line break cannot go into a systemd unit")
    # '%' starts a unit specifier everywhere; '$' an environment expansion in ExecStart only.
    word = word.replace("%", "%%")
    if command:
        word = word.replace("$", "$$")
    if word and re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def launch_agent(argv: Sequence[str], environment: Mapping[str, str], *, log_dir: Path) -> bytes:
    plist: dict[str, object] = {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(argv),
        "RunAtLoad": True,
        # Restarted after a crash, not after a clean exit (the user stopped it).
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": RESTART_DELAY_SECONDS,
        "ExitTimeOut": STOP_TIMEOUT_SECONDS,
        "ProcessType": "Interactive",
        "StandardOutPath": str(log_dir / "selftime-agent.log"),
        "StandardErrorPath": str(log_dir / "selftime-agent.log"),
    }
    if environment:
        plist["EnvironmentVariables"] = dict(environment)
    return plistlib.dumps(plist, fmt=plistlib.FMT_XML)


def startup_script(argv: Sequence[str], environment: Mapping[str, str]) -> str:
    lines = [
        "@echo off",
        "rem Written by `selftime agent install-autostart`: starts the Selftime agent at login, in a minimized",
        "rem window (close it, or press Ctrl-C in it, to stop the agent). Delete this file to stop that.",
        *(f'set "{k}={_cmd_escape(v)}"' for k, v in sorted(environment.items())),
        # `start` returns at once, so this script's own console closes and only the agent's remains.
        'start "Selftime agent" /min ' + " ".join(_cmd_word(w) for w in argv),
        "",
    ]
    return "\r\n".join(lines)


def _cmd_escape(text: str) -> str:
    if any(c in text for c in '"\r\n'):
        raise ValueError(f"{text!r}: double quotes and line breaks cannot go into a Windows startup script")
    return text.replace("%", "%%")  # a batch file expands %NAME% even inside quotes


def _cmd_word(word: str) -> str:
    word = _cmd_escape(word)
    # Inside double quotes cmd.exe takes & | < > ^ literally.
    return word if re.fullmatch(r"[A-Za-z0-9_\\/:.=,+-]+", word) else f'"{word}"'


def _absolute_program(argv: list[str]) -> list[str]:
    """systemd and launchd run a program by its full path: a bare name is looked up on $PATH now."""
    if not argv:
        raise ValueError("the command is empty")
    program = argv[0]
    if not os.path.isabs(program):
        found = shutil.which(program)
        if found is None:
            raise ValueError(f"{program!r} is not a full path and was not found on PATH")
        program = os.path.abspath(found)
    return [program, *argv[1:]]
