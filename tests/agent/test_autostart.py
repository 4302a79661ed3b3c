"""Autostart files (agent/autostart.py) for each system, written into a temporary home.

The systemd unit is checked by systemd's own parser (`systemd-analyze verify`), the LaunchAgent by plistlib;
nothing is enabled or started (no systemctl, no launchctl)."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from selftime.agent import autostart

# Arguments that need quoting in every format: spaces, a percent sign, a dollar sign, a backslash.
AWKWARD = ["agent", "run", "--note", "100% of $HOME", "C:\\Program Files\\x"]


def verify_unit(path: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("these tests need systemd-analyze (Debian package systemd)")
    return subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, check=False)


def systemd_words(line: str) -> list[str]:
    """ExecStart's words as systemd reads them (quotes, C escapes, %% and $$), for what this module writes."""
    words, word, quoted, i = [], "", False, 0
    started = False
    while i < len(line):
        c = line[i]
        if quoted and c == "\\":
            word += line[i + 1]
            i += 2
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if started:
                words.append(word)
            word, started = "", False
        else:
            word, started = word + c, True
        i += 1
    if started:
        words.append(word)
    return [w.replace("%%", "%").replace("$$", "$") for w in words]


def test_linux_systemd_user_unit(tmp_path: Path) -> None:
    program = shutil.which("true")
    assert program is not None
    path = autostart.install(
        "Linux", home=tmp_path, command=[program, *AWKWARD], environment={"SELFTIME_DATA_DIR": "/srv/my data"}
    )
    assert path == tmp_path / ".config" / "systemd" / "user" / "selftime-agent.service"
    text = path.read_text()
    (exec_start,) = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    assert systemd_words(exec_start.removeprefix("ExecStart=")) == [program, *AWKWARD]
    assert 'Environment="SELFTIME_DATA_DIR=/srv/my data"' in text.splitlines()
    for line in (
        "[Install]",
        "WantedBy=graphical-session.target",
        "Restart=on-failure",
        "PartOf=graphical-session.target",
    ):
        assert line in text.splitlines()
    assert "systemctl --user enable --now selftime-agent" in text  # the unit says how to turn it on
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    # systemd's own parser: the quoting, and that the program exists and is executable.
    verified = verify_unit(path)
    assert verified.returncode == 0, verified.stderr
    assert "selftime-agent.service" not in verified.stderr, verified.stderr


def test_systemd_verify_would_catch_a_broken_unit(tmp_path: Path) -> None:
    """The check above is worth something: the same verify refuses a unit whose program does not exist."""
    path = autostart.install("linux", home=tmp_path, command=[str(tmp_path / "no such program"), "agent", "run"])
    verified = verify_unit(path)
    assert verified.returncode != 0
    assert "no such program" in verified.stderr


def test_linux_default_command_is_this_installation_and_runs(tmp_path: Path) -> None:
    path = autostart.install("linux", home=tmp_path, environment={})
    (exec_start,) = [line for line in path.read_text().splitlines() if line.startswith("ExecStart=")]
    command = systemd_words(exec_start.removeprefix("ExecStart="))
    assert command == autostart.default_command()
    assert command[-2:] == ["agent", "run"]
    assert Path(command[0]).parent == Path(sys.executable).parent  # the same environment, not whatever is on PATH
    assert "Environment=" not in path.read_text()
    # The very command, asked for help instead of running, is the selftime agent CLI.
    helped = subprocess.run([*command[:-1], "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert helped.returncode == 0, helped.stderr
    assert "desktop agent" in helped.stdout


def test_data_dir_of_the_installing_shell_is_carried_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELFTIME_DATA_DIR", str(tmp_path / "state"))
    path = autostart.install("linux", home=tmp_path)
    assert f"Environment=SELFTIME_DATA_DIR={tmp_path / 'state'}" in path.read_text().splitlines()


def test_macos_launch_agent(tmp_path: Path) -> None:
    path = autostart.install(
        "Darwin",
        home=tmp_path,
        command=["/opt/selftime/bin/selftime", *AWKWARD],
        environment={"SELFTIME_DATA_DIR": "/d"},
    )
    assert path == tmp_path / "Library" / "LaunchAgents" / "org.selftime.agent.plist"
    with path.open("rb") as f:
        plist = plistlib.load(f)
    assert plist["Label"] == "org.selftime.agent"
    assert plist["ProgramArguments"] == ["/opt/selftime/bin/selftime", *AWKWARD]
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] == {"SuccessfulExit": False}
    assert plist["EnvironmentVariables"] == {"SELFTIME_DATA_DIR": "/d"}
    assert plist["StandardErrorPath"] == str(tmp_path / "Library" / "Logs" / "selftime-agent.log")
    assert oct(path.stat().st_mode & 0o777) == "0o644"  # launchd refuses a plist others may write


def test_windows_startup_script(tmp_path: Path) -> None:
    program = "C:\\Users\\Ada Lovelace\\selftime\\Scripts\\selftime.exe"
    path = autostart.install(
        "Windows", home=tmp_path, command=[program, *AWKWARD], environment={"SELFTIME_DATA_DIR": "D:\\time 100%"}
    )
    startup = tmp_path / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
    assert path == startup / "selftime-agent.cmd"
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # batch files want CRLF line ends
    lines = raw.decode().splitlines()
    assert lines[0] == "@echo off"
    assert 'set "SELFTIME_DATA_DIR=D:\\time 100%%"' in lines
    assert lines[-1] == (
        'start "Selftime agent" /min "C:\\Users\\Ada Lovelace\\selftime\\Scripts\\selftime.exe" agent run --note '
        '"100%% of $HOME" "C:\\Program Files\\x"'
    )


def test_windows_refuses_what_cmd_cannot_carry(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="double quotes"):
        autostart.install("windows", home=tmp_path, command=["selftime.exe", 'say "hi"'])
    assert not autostart.autostart_path("windows", tmp_path).exists()


def test_install_replaces_and_uninstall_removes(tmp_path: Path) -> None:
    for system in ("linux", "macos", "windows"):
        first = autostart.install(system, home=tmp_path, command=["/bin/a", "agent", "run"], environment={})
        second = autostart.install(system, home=tmp_path, command=["/bin/b", "agent", "run"], environment={})
        assert first == second
        assert "/bin/b" in second.read_text() and "/bin/a" not in second.read_text()
        assert [p.name for p in second.parent.iterdir()] == [second.name]  # no drafts left behind
        assert autostart.uninstall(system, home=tmp_path) == second
        assert not second.exists()
        assert autostart.uninstall(system, home=tmp_path) is None


def test_instructions_name_the_next_step(tmp_path: Path) -> None:
    path = autostart.autostart_path("linux", tmp_path)
    assert "systemctl --user enable --now selftime-agent" in autostart.instructions(path, "linux")
    assert "systemctl --user disable --now" in autostart.instructions(path, "linux", removed=True)
    assert "launchctl bootstrap gui/" in autostart.instructions(autostart.autostart_path("macos", tmp_path), "Darwin")
    assert "next login" in autostart.instructions(autostart.autostart_path("windows", tmp_path), "win32")


def test_default_paths_follow_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "roaming"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert autostart.autostart_path("linux") == tmp_path / "xdg" / "systemd" / "user" / "selftime-agent.service"
    assert autostart.autostart_path("windows").is_relative_to(tmp_path / "roaming" / "Microsoft")
    assert (
        autostart.autostart_path("macos") == tmp_path / "home" / "Library" / "LaunchAgents" / "org.selftime.agent.plist"
    )
    # An explicit home wins over both.
    assert autostart.autostart_path("linux", tmp_path / "h").is_relative_to(tmp_path / "h" / ".config")


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no autostart for the system 'plan9'"):
        autostart.install("plan9", home=tmp_path)
    with pytest.raises(ValueError, match="not found on PATH"):
        autostart.install("linux", home=tmp_path, command=["no-such-selftime-program", "agent", "run"])
    with pytest.raises(ValueError, match="not an environment variable name"):
        autostart.install("linux", home=tmp_path, command=["/bin/true"], environment={"A B": "x"})
    with pytest.raises(ValueError, match="line break"):
        autostart.install("linux", home=tmp_path, command=["/bin/true", "a\nb"], environment={})
    assert not autostart.autostart_path("linux", tmp_path).exists()
