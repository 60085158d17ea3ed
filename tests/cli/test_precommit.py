"""The pre-commit hooks we ship (.pre-commit-hooks.yaml), run by the real pre-commit tool, offline.

pre-commit installs a `language: python` hook by pip-installing this
repository into a fresh environment, which needs the package registry; so the
test checks the manifest with pre-commit's own validator, then runs the very
same hooks (id, entry, files pattern, pass_filenames) as `language: system`
hooks of a local config, with this venv's `auditor` on PATH. What is tested is
what a user gets: which changed files trigger the hooks, the command the hook
runs, and that a broken pack fails the commit with file and line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git, which is not installed here")


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PRE_COMMIT_HOME"] = str(tmp / "pre-commit-home")
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "test"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "test@example.com"
    env.pop("NO_COLOR", None)
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "pre_commit", *args, "--color", "never"], cwd, env)


def test_manifest_is_valid_for_pre_commit(tmp_path: Path) -> None:
    r = _pre_commit("validate-manifest", str(MANIFEST), cwd=ROOT, env=_env(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture()
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository holding one pack (a copy of pinduoduo) and a config using our hooks as local system hooks."""
    env = _env(tmp_path)
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "policies" / "pinduoduo", repo / "policies" / "pdd")
    (repo / "notes.md").write_text("not a pack\n", encoding="utf-8")
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    for h in hooks:
        h["language"] = "system"
    config = {"repos": [{"repo": "local", "hooks": hooks}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "packs"]):
        assert _run(cmd, repo, env).returncode == 0
    return repo, env


def test_hooks_pass_on_a_good_pack(repo: tuple[Path, dict[str, str]]) -> None:
    path, env = repo
    r = _pre_commit("run", "--all-files", cwd=path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    # both hooks ran (pre-commit prints "Passed" per hook that ran and "(no files to check)Skipped" otherwise)
    assert r.stdout.count("Passed") == 2, r.stdout


def test_a_change_outside_packs_runs_no_hook(repo: tuple[Path, dict[str, str]]) -> None:
    path, env = repo
    (path / "notes.md").write_text("still not a pack\n", encoding="utf-8")
    r = _pre_commit("run", "--files", "notes.md", cwd=path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("Skipped") == 2, r.stdout


def test_a_broken_citation_fails_with_file_and_line(repo: tuple[Path, dict[str, str]]) -> None:
    path, env = repo
    pack = path / "policies" / "pdd" / "pack.yaml"
    text = pack.read_text(encoding="utf-8")
    # The pack quotes this clause from its source; a quote that is not in the source must be refused.
    quote = "如果商家的客服回复率低于50%"
    assert quote in text
    broken = text.replace(quote, quote.replace("50%", "60%"), 1)
    pack.write_text(broken, encoding="utf-8")
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if "如果商家的客服回复率低于60%" in t)
    r = _pre_commit("run", "--files", "policies/pdd/pack.yaml", cwd=path, env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"policies/pdd/pack.yaml:{line}" in r.stdout, r.stdout


def test_a_failing_case_fails_the_test_hook(repo: tuple[Path, dict[str, str]]) -> None:
    path, env = repo
    target = path / "policies" / "pdd" / "tests" / "below_peers.yml"
    text = target.read_text(encoding="utf-8")
    # The first case audits as of 2026-03-10; expecting another as-of day must fail it.
    assert "\n    expect:\n" in text
    broken = text.replace("\n    expect:\n", "\n    expect:\n      as_of: '1999-01-01'\n", 1)
    target.write_text(broken, encoding="utf-8")
    r = _pre_commit("run", "--files", str(target.relative_to(path)), cwd=path, env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "auditor test" in r.stdout and "Failed" in r.stdout, r.stdout
