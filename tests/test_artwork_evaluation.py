"""evaluate_artwork_policy on external CSV logs: the output format and named errors for bad files."""

import json

import pytest
from django.core.management import CommandError, call_command


def write(path, text):
    path.write_text(text)
    return str(path)


def logs(tmp_path, rows=40):
    log = ["action,reward,propensity,position,country"]
    target = ["p_a,p_b"]
    for i in range(rows):
        action = "a" if i % 2 else "b"
        log.append(f"{action},{int(action == 'a')},0.5,{i % 3},{'fr' if i % 4 else 'us'}")
        target.append("0.9,0.1")
    return write(tmp_path / "log.csv", "\n".join(log) + "\n"), write(tmp_path / "target.csv", "\n".join(target) + "\n")


def test_it_prints_one_json_object_per_estimator(tmp_path, capsys):
    log, target = logs(tmp_path)
    call_command("evaluate_artwork_policy", "--log", log, "--target", target, "--json", "--bootstrap", "50")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["estimator"] for line in lines] == ["replay", "ips", "snips", "dm", "dr"]
    for line in lines:
        assert set(line) == {"estimator", "estimate", "ci95", "n"}
        assert line["ci95"][0] <= line["estimate"] <= line["ci95"][1]
    assert {line["n"] for line in lines if line["estimator"] != "replay"} == {40}
    # The target shows "a" (always played) 90% of the time; IPS-family estimates sit near 0.9.
    assert next(line for line in lines if line["estimator"] == "snips")["estimate"] == pytest.approx(0.9, abs=0.01)


@pytest.mark.parametrize(("log_row", "target_row", "message"), [
    ("a,1,1.5,0,fr", "0.9,0.1", "log.csv: row 3, column 'propensity': 1.5 is outside (0, 1]"),
    ("a,1,0,0,fr", "0.9,0.1", "row 3, column 'propensity'"),
    ("a,yes,0.5,0,fr", "0.9,0.1", "row 3, column 'reward'"),
    ("c,1,0.5,0,fr", "0.9,0.1", "row 3, column 'action'"),
    ("a,1,0.5,0,fr", "0.7,0.1", "target.csv: row 3, columns p_*: probabilities sum to 0.8, not 1"),
])
def test_bad_external_logs_get_an_error_naming_row_and_column(tmp_path, log_row, target_row, message):
    log = write(tmp_path / "log.csv", f"action,reward,propensity,position,country\nb,0,0.5,0,us\n{log_row}\n")
    target = write(tmp_path / "target.csv", f"p_a,p_b\n0.5,0.5\n{target_row}\n")
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        call_command("evaluate_artwork_policy", "--log", log, "--target", target, "--json")


def test_a_missing_column_is_named(tmp_path):
    log = write(tmp_path / "log.csv", "action,reward\na,1\n")
    target = write(tmp_path / "target.csv", "p_a\n1\n")
    with pytest.raises(CommandError, match="missing column 'propensity'"):
        call_command("evaluate_artwork_policy", "--log", log, "--target", target)
