"""Upgrade and update: render on the template branch, merge into the team's branch."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_scaffold.answers import ANSWERS_FILE, AnswersFile
from mlops_scaffold.cli import app
from mlops_scaffold.gitrepo import TEMPLATE_BRANCH, TEMPLATE_REF
from mlops_scaffold.levels import templates_root
from mlops_scaffold.status import project_status
from mlops_scaffold.upgrade import apply, plan_update, plan_upgrade, preview
from tests.conftest import Generate
from tests.support.repo_state import commit_all, git, snapshot

runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_new_records_the_pristine_render_on_the_template_branch(generate: Generate) -> None:
    project = generate(0)
    assert git(project, "rev-parse", "HEAD") == git(project, "rev-parse", TEMPLATE_REF)
    assert git(project, "status", "--porcelain") == ""


def test_clean_upgrade_merges_the_next_level(generate: Generate) -> None:
    project = generate(0)
    (project / "notes.md").write_text("ours\n")
    commit_all(project)
    code, out = cli("upgrade", str(project))
    assert code == 0, out
    assert "level 0 -> 1" in out and "changed" in out
    assert AnswersFile.read(project).level == 1
    assert (project / "notes.md").read_text() == "ours\n"
    assert git(project, "status", "--porcelain") == ""
    # the template branch holds exactly a fresh level-1 render
    assert git(project, "diff", "--stat", TEMPLATE_BRANCH, "HEAD", "--", ".", ":!notes.md") == ""


def test_upgrade_without_team_commits_equals_a_fresh_project(generate: Generate) -> None:
    upgraded = generate(0, name="demo")
    assert cli("upgrade", str(upgraded), "--to", "3")[0] == 0
    direct = generate(3, name="direct", project_name="demo")
    upgraded_tree = git(upgraded, "rev-parse", "HEAD^{tree}")
    assert upgraded_tree == git(direct, "rev-parse", "HEAD^{tree}")


def test_conflict_exits_1_and_merge_abort_restores_everything(generate: Generate) -> None:
    project = generate(0)
    readme = project / "README.md"
    lines = readme.read_text().splitlines()
    lines = [line.replace("level 0", "level zero") for line in lines]
    readme.write_text("\n".join(lines) + "\n")
    commit_all(project)
    before = snapshot(project)
    code, out = cli("upgrade", str(project))
    assert code == 1, out
    assert "README.md" in out and "git merge --abort" in out
    git(project, "merge", "--abort")
    after = snapshot(project)
    assert after.files == before.files
    assert after.status == before.status == ""
    assert after.index == before.index
    assert after.head == before.head


def test_dry_run_changes_nothing(generate: Generate) -> None:
    project = generate(0)
    before = snapshot(project)
    code, out = cli("upgrade", str(project), "--dry-run")
    assert code == 0, out
    assert "M README.md" in out and "files changed" in out and "Nothing was changed" in out
    assert snapshot(project) == before


def test_dry_run_predicts_conflicts(generate: Generate) -> None:
    project = generate(0)
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("level 0", "level zero"))
    commit_all(project)
    before = snapshot(project)
    code, out = cli("upgrade", str(project), "--dry-run")
    assert code == 1, out  # as the real run would
    assert "The merge would conflict in: README.md" in out
    assert snapshot(project) == before


def test_failure_while_committing_moves_no_branch(
    generate: Generate, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(0)
    before = snapshot(project)
    from mlops_scaffold.gitrepo import Repo

    def interrupted(self: Repo, *args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(Repo, "commit_tree", interrupted)
    with pytest.raises(KeyboardInterrupt):
        apply(plan_upgrade(project, None, {}))
    assert snapshot(project) == before


def test_failure_before_the_merge_moves_no_branch(
    generate: Generate, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(0)
    before = snapshot(project)
    from mlops_scaffold.gitrepo import Repo

    def interrupted(self: Repo, ref: str, message: str) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(Repo, "merge", interrupted)
    with pytest.raises(KeyboardInterrupt):
        apply(plan_upgrade(project, None, {}))
    assert snapshot(project) == before


def test_failure_while_rendering_changes_nothing(
    generate: Generate, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(0)
    before = snapshot(project)
    import mlops_scaffold.upgrade as upgrade_module

    def broken_render(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(upgrade_module, "render", broken_render)
    with pytest.raises(RuntimeError):
        plan_upgrade(project, None, {})
    assert snapshot(project) == before


# -- refusals -----------------------------------------------------------------


def refuse(project: Path, *args: str, message: str) -> None:
    before = snapshot(project) if (project / ".git").exists() else None
    code, out = cli(*args)
    assert code == 2, out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mlops-scaffold: error:"), out
    assert message in lines[0], out
    if before is not None:
        assert snapshot(project) == before


def test_refuses_a_dirty_tree(generate: Generate) -> None:
    project = generate(0)
    (project / "README.md").write_text("edited\n")
    refuse(project, "upgrade", str(project), message="uncommitted changes (README.md)")


def test_refuses_untracked_files(generate: Generate) -> None:
    project = generate(0)
    (project / "scratch.py").write_text("x = 1\n")
    refuse(project, "upgrade", str(project), message="git stash -u")


def test_refuses_outside_a_repository(tmp_path: Path) -> None:
    refuse(tmp_path, "upgrade", str(tmp_path), message="is not a git repository")


def test_refuses_without_answers_file(generate: Generate) -> None:
    project = generate(0)
    git(project, "rm", "-q", ANSWERS_FILE)
    commit_all(project)
    refuse(project, "upgrade", str(project), message="not generated by mlops-scaffold")


def test_refuses_a_malformed_answers_file(generate: Generate) -> None:
    project = generate(0)
    (project / ANSWERS_FILE).write_text("level: [unclosed\n")
    commit_all(project)
    refuse(project, "upgrade", str(project), message="not valid YAML")


def test_refuses_a_downgrade(generate: Generate) -> None:
    project = generate(2)
    refuse(project, "upgrade", str(project), "--to", "1", message="downgrades are not supported")


def test_upgrading_to_the_current_level_does_nothing(generate: Generate) -> None:
    """`upgrade --to N` is safe to retry: at level N it has nothing to do."""
    project = generate(1)
    before = snapshot(project)
    code, out = cli("upgrade", str(project), "--to", "1")
    assert code == 0, out
    assert "Already up to date (level 1); nothing to do." in out
    assert snapshot(project) == before


def test_refuses_above_the_highest_level(generate: Generate) -> None:
    project = generate(1)
    refuse(project, "upgrade", str(project), "--to", "4", message="--to must be one of 0, 1, 2, 3")


def test_refuses_upgrading_past_level_3(generate: Generate) -> None:
    project = generate(3)
    refuse(project, "upgrade", str(project), message="already at level 3, the highest")


def test_refuses_a_non_numeric_target(generate: Generate) -> None:
    project = generate(0)
    refuse(project, "upgrade", str(project), "--to", "max", message="--to must be one of 0, 1")


def test_refuses_without_the_template_branch(generate: Generate) -> None:
    project = generate(0)
    git(project, "branch", "-D", TEMPLATE_BRANCH)
    refuse(project, "upgrade", str(project), message="`mlops-scaffold adopt`")


def test_refuses_during_a_merge(generate: Generate) -> None:
    project = generate(0)
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("level 0", "level zero"))
    commit_all(project)
    assert cli("upgrade", str(project))[0] == 1
    refuse(project, "update", str(project), message="an interrupted upgrade (level 0 -> 1)")


def test_refuses_during_a_merge_of_the_teams_own(generate: Generate) -> None:
    project = generate(0)
    git(project, "checkout", "-q", "-b", "side")
    (project / "README.md").write_text("side\n")
    commit_all(project)
    git(project, "checkout", "-q", "-")
    (project / "README.md").write_text("main\n")
    commit_all(project)
    subprocess.run(["git", "merge", "side"], cwd=project, capture_output=True, check=False)
    refuse(project, "upgrade", str(project), message="a merge is in progress")


def test_refuses_an_unknown_data_key(generate: Generate) -> None:
    project = generate(0)
    refuse(project, "update", str(project), "--data", "colour=red", message="unknown --data key")


def test_refuses_an_invalid_package_name_on_update(generate: Generate) -> None:
    project = generate(0)
    refuse(project, "update", str(project), "--data", "package_name=for", message="Python keyword")


# -- update -----------------------------------------------------------------


def fork_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    fork = tmp_path / "templates-fork"
    shutil.copytree(templates_root(), fork)
    monkeypatch.setenv("MLOPS_SCAFFOLD_TEMPLATES", str(fork))
    return fork


def test_update_rolls_out_a_template_change_once(
    generate: Generate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(0)
    (project / "mine.txt").write_text("team\n")
    commit_all(project)
    fork = fork_templates(tmp_path, monkeypatch)
    gitignore = fork / "level0" / ".gitignore.jinja"
    gitignore.write_text("# rolled out by the platform team\n" + gitignore.read_text())

    code, out = cli("update", str(project))
    assert code == 0, out
    assert "changed  .gitignore" in out
    assert (project / ".gitignore").read_text().startswith("# rolled out by the platform team")
    assert (project / "mine.txt").read_text() == "team\n"

    commits = git(project, "rev-list", "--all", "--count")
    code, out = cli("update", str(project))
    assert code == 0 and "Already up to date" in out
    assert git(project, "rev-list", "--all", "--count") == commits


def test_update_with_nothing_new_makes_no_commit(generate: Generate) -> None:
    project = generate(1)
    before = snapshot(project)
    code, out = cli("update", str(project))
    assert code == 0 and "nothing to do" in out
    assert snapshot(project) == before


def test_update_data_changes_an_answer(generate: Generate) -> None:
    project = generate(0)
    code, out = cli("update", str(project), "--data", "description=Predicts churn")
    assert code == 0, out
    assert AnswersFile.read(project).answers["description"] == "Predicts churn"
    assert "Predicts churn" in (project / "README.md").read_text()


def test_library_plan_and_preview_agree(generate: Generate) -> None:
    project = generate(1)
    plan = plan_update(project, {"description": "Other"})
    view = preview(plan)
    assert {c.path for c in view.changes} == {c.path for c in plan.changes}
    assert view.conflicts == []


def test_usual_team_additions_never_conflict(generate: Generate) -> None:
    """Appending to README, Makefile, .gitignore and the dependency list merges cleanly."""
    project = generate(0)
    additions = {
        "README.md": "Our notes.\n",
        "Makefile": "report: ## Our own target\n\t@echo ours\n",
        ".gitignore": "scratch/\n",
    }
    for name, text in additions.items():
        with (project / name).open("a") as handle:
            handle.write(text)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            '  "scikit-learn>=1.5,<2",\n]', '  "scikit-learn>=1.5,<2",\n  "lightgbm>=4,<5",\n]'
        )
    )
    commit_all(project)
    for level in (1, 2, 3):
        outcome = apply(plan_upgrade(project, None, {}))
        assert outcome.merged, f"level {level}: {outcome.conflicts}"
        for name, text in additions.items():
            assert (project / name).read_text().endswith(text), name
        assert '"lightgbm>=4,<5",\n]' in pyproject.read_text()


def test_refuses_to_overwrite_an_ignored_file(generate: Generate) -> None:
    project = generate(0)
    with (project / ".gitignore").open("a") as gitignore:
        gitignore.write("params.yaml\n")
    commit_all(project)
    (project / "params.yaml").write_text("our local settings\n")  # ignored, untracked
    refuse(project, "upgrade", str(project), message="would overwrite files git ignores")
    assert (project / "params.yaml").read_text() == "our local settings\n"


def test_switching_ci_provider_replaces_the_untouched_ci_files(generate: Generate) -> None:
    project = generate(2)
    assert (project / ".github" / "workflows" / "ci.yml").is_file()
    code, out = cli("update", str(project), "--data", "ci_provider=gitlab")
    assert code == 0, out
    assert "deleted  .github/workflows/ci.yml" in out
    assert not (project / ".github").exists()
    assert (project / ".gitlab-ci.yml").is_file()
    assert AnswersFile.read(project).answers["ci_provider"] == "gitlab"


def test_switching_ci_provider_keeps_an_edited_ci_file_as_a_conflict(generate: Generate) -> None:
    project = generate(2)
    workflow = project / ".github" / "workflows" / "ci.yml"
    workflow.write_text(workflow.read_text() + "# our tweak\n")
    commit_all(project)
    code, out = cli("update", str(project), "--data", "ci_provider=gitlab")
    assert code == 1, out
    assert ".github/workflows/ci.yml" in out
    assert workflow.read_text().endswith("# our tweak\n")


def test_dry_run_with_a_git_too_old_to_predict_conflicts(
    generate: Generate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(0)
    real_git = shutil.which("git")
    fake_bin = tmp_path / "old-git-bin"
    fake_bin.mkdir()
    fake = fake_bin / "git"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = merge-tree ]; then echo "error: unknown option" >&2; exit 129; fi\n'
        f'exec {real_git} "$@"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    before = snapshot(project)
    code, out = cli("upgrade", str(project), "--dry-run")
    assert code == 0, out
    assert "cannot be predicted with this git" in out
    assert snapshot(project) == before


# -- interrupted upgrades -----------------------------------------------------


def conflicting_project(generate: Generate) -> Path:
    """A level-0 project whose README edit conflicts with the level-1 README."""
    project = generate(0)
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("level 0", "level zero"))
    commit_all(project)
    return project


def test_after_merge_abort_the_upgrade_is_retried_not_reported_done(generate: Generate) -> None:
    project = conflicting_project(generate)
    tip = git(project, "rev-parse", TEMPLATE_REF)
    code, out = cli("upgrade", str(project))
    assert code == 1 and "README.md" in out
    assert git(project, "rev-parse", TEMPLATE_REF) == tip  # moves only with the merge commit
    git(project, "merge", "--abort")

    report = project_status(project)
    assert (report.level, report.unfinished, report.deleted) == (0, "", [])
    assert report.modified == ["README.md"]
    code, out = cli("upgrade", str(project), "--dry-run")
    assert code == 1 and "The merge would conflict in: README.md" in out
    code, out = cli("upgrade", str(project))
    assert code == 1, out
    assert "The upgrade (level 0 -> 1) stopped on conflicts in:\n  README.md\n" in out


def test_status_during_a_conflicted_upgrade_says_how_to_finish(generate: Generate) -> None:
    project = conflicting_project(generate)
    assert cli("upgrade", str(project))[0] == 1
    report = project_status(project)
    assert report.level == 0
    assert report.deleted == []
    assert report.modified == ["README.md"]
    assert "upgrade (level 0 -> 1) is unfinished (stopped on conflicts in README.md)" in (
        report.unfinished
    )
    assert "git merge --abort" in report.unfinished
    code, out = cli("status", str(project))
    assert code == 0 and "Unfinished: the upgrade" in out


def test_rerunning_stops_on_the_same_conflicts_then_finishes(generate: Generate) -> None:
    project = conflicting_project(generate)
    assert cli("upgrade", str(project))[0] == 1
    code, out = cli("upgrade", str(project))
    assert code == 1, out
    assert "stopped on conflicts in:\n  README.md\n" in out
    (project / "README.md").write_text("resolved\n")
    git(project, "add", "README.md")
    code, out = cli("upgrade", str(project))
    assert code == 0, out
    assert "Finishing the interrupted upgrade (level 0 -> 1)." in out
    assert AnswersFile.read(project).level == 1
    assert git(project, "rev-parse", TEMPLATE_REF) == git(project, "rev-parse", "HEAD^2")
    assert git(project, "status", "--porcelain") == ""
    assert (project / "README.md").read_text() == "resolved\n"
    assert project_status(project).unfinished == ""


def test_a_merge_the_team_committed_is_recorded_by_the_next_run(generate: Generate) -> None:
    project = conflicting_project(generate)
    assert cli("upgrade", str(project))[0] == 1
    (project / "README.md").write_text("resolved\n")
    git(project, "add", "README.md")
    git(project, "commit", "-q", "--no-edit")
    report = project_status(project)
    assert report.level == 1 and report.deleted == [] and report.modified == ["README.md"]
    assert "merged but not yet recorded" in report.unfinished
    code, out = cli("upgrade", str(project), "--to", "1")
    assert code == 0 and "Finishing the interrupted upgrade (level 0 -> 1)." in out
    assert git(project, "rev-parse", TEMPLATE_REF) == git(project, "rev-parse", "HEAD^2")
    assert project_status(project).unfinished == ""
    code, out = cli("upgrade", str(project))  # the next one goes on (our README conflicts)
    assert code == 1 and "The upgrade (level 1 -> 2) stopped on conflicts" in out, out


def test_a_template_branch_ahead_of_the_project_is_merged_not_reported_deleted(
    generate: Generate,
) -> None:
    """The state an older mlops-scaffold left after a conflict and `git merge --abort`."""
    project = generate(0)
    plan = plan_upgrade(project, None, {})
    stuck = plan.repo.commit_tree(plan.tree, [plan.tip], "Upgrade demo from level 0 to 1")
    git(project, "update-ref", TEMPLATE_REF, stuck)
    report = project_status(project)
    assert (report.level, report.deleted, report.modified) == (0, [], [])
    assert "has a render that this branch has not merged" in report.unfinished
    code, out = cli("upgrade", str(project))
    assert code == 0 and "Upgrade done (level 0 -> 1)" in out, out
    assert git(project, "rev-parse", TEMPLATE_REF).strip() == stuck
    assert AnswersFile.read(project).level == 1


def test_upgrade_merges_whatever_merge_ff_the_team_configured(generate: Generate) -> None:
    project = generate(0)
    git(project, "config", "merge.ff", "only")
    (project / "notes.md").write_text("ours\n")
    commit_all(project)
    code, out = cli("upgrade", str(project))
    assert code == 0, out
    assert AnswersFile.read(project).level == 1
