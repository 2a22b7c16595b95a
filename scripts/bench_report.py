#!/usr/bin/env python3
"""Turns the results of scripts/bench.sh into BENCHMARKS.md.

Usage: bench_report.py RESULTS_DIR OUT. Everything below the notes marker of an
existing OUT (the hand-written analysis, the GUI section) is kept as it is.
"""
import json
import os
import sys

NOTES_MARKER = "<!-- notes: everything below is kept when scripts/bench.sh rewrites this file -->"


def hyperfine(results, name):
    with open(os.path.join(results, name)) as f:
        return {r["command"]: r for r in json.load(f)["results"]}


def seconds(value):
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def verdict(ratio, limit):
    if ratio <= limit:
        return "met"
    return f"**not met** ({ratio / limit:.2f}× the target)"


def add_gone_rows(rows, checks, gone):
    rows.append(f"| deleting (a) | discard: first workspace gone from its real path | {seconds(gone['first_gone'])} | one run |")
    rows.append(f"| deleting (a) | discard: all 1,000 gone from their real paths | {seconds(gone['all_gone'])} | one run, process start included |")
    rows.append(f"| deleting (a) | discard: from the first gone to the last gone | {seconds(gone['all_gone'] - gone['first_gone'])} | one run: the staging renames, interleaved with the record rewrites |")
    checks.append((
        "deleting (a): workspaces gone from their real paths ≤ 50 ms (all 1,000, from process start)",
        seconds(gone["all_gone"]),
        verdict(gone["all_gone"], 0.05),
    ))


def main():
    results, out = sys.argv[1], sys.argv[2]
    machine = dict(
        line.rstrip("\n").split("=", 1)
        for line in open(os.path.join(results, "machine"))
        if "=" in line
    )
    rows = []

    def timing(section, runs, tool):
        run = runs[tool]
        return run["median"], f"| {section} | {tool} | {seconds(run['median'])} | {seconds(run['min'])} – {seconds(run['max'])} |"

    checks = []
    threads = machine["threads"]
    for key, section in [("size-a.json", "sizing (a) 1,000 workspaces"), ("size-b.json", "sizing (b) 200,000-file workspace")]:
        runs = hyperfine(results, key)
        du, du_row = timing(section, runs, "du -s")
        disk, disk_row = timing(section, runs, f"diskus -j {threads}")
        ours, ours_row = timing(section, runs, "agents-janitor usage --json")
        rows += [du_row, disk_row, ours_row]
        checks.append((f"{section}: ≤ 0.5× `du -s`", f"{ours / du:.2f}×", verdict(ours / du, 0.5)))
        checks.append((f"{section}: ≤ 0.8× `diskus -j {threads}`", f"{ours / disk:.2f}×", verdict(ours / disk, 0.8)))

    if os.path.exists(os.path.join(results, "delete.json")):
        runs = hyperfine(results, "delete.json")
        rm, rm_row = timing("deleting (a), fresh copy each run", runs, "rm -rf")
        ours, ours_row = timing("deleting (a), fresh copy each run", runs, "agents-janitor discard --force")
        rows += [rm_row, ours_row]
        checks.append(("deleting (a): ≤ 1.0× `rm -rf`", f"{ours / rm:.2f}×", verdict(ours / rm, 1.0)))
    else:
        rows.append("| deleting (a) | *not measured in this run* | | |")
        checks.append(("deleting (a): ≤ 1.0× `rm -rf`", "*not measured in this run*", ""))
    gone_file = os.path.join(results, "gone.json")
    gone = json.load(open(gone_file)) if os.path.exists(gone_file) else None
    if gone is None:
        checks.append(("deleting (a): workspaces gone from their real paths ≤ 50 ms", "*not measured in this run*", ""))
    else:
        add_gone_rows(rows, checks, gone)

    runs = hyperfine(results, "list.json")
    rss = {}
    for which, tool in [("cold", "agents-janitor list --all (no record cache)"), ("warm", "agents-janitor list --all (record cache warm)")]:
        median, row = timing("loading (c) 10,000 records", runs, tool)
        rss[which] = int(open(os.path.join(results, f"rss-{which}")).read().strip() or 0) / 1024
        rows.append(row[:-1] + f" peak RSS {rss[which]:.0f} MiB |")
        checks.append((f"listing 10,000 records ≤ 0.3 s ({which})", seconds(median), verdict(median, 0.3)))
        checks.append((f"listing peak RSS ≤ 150 MB ({which})", f"{rss[which]:.0f} MiB", verdict(rss[which] * 1.048576, 150)))

    gui_rows = []
    gui_path = os.path.join(results, "gui.json")
    if os.path.exists(gui_path):
        gui = json.load(open(gui_path))
        drivers = [("window", "bare egui context, as the window runs"), ("kittest", "kittest harness, with an AccessKit tree")]
        for driver, how in drivers:
            for phase, label in [("idle", "idle"), ("deleting", "while the worker deletes")]:
                g = gui[driver][phase]
                gui_rows.append(
                    f"| GUI: UI-thread CPU per frame, {gui['rows']:,} rows, {label} | {how} "
                    f"| {g['median_ms']:.2f} ms | p95 {g['p95_ms']:.2f} ms, max {g['max_ms']:.2f} ms, {g['frames']} frames |"
                )
                checks.append((f"GUI ≤ 2 ms per frame at 10,000 rows ({label}, {driver})", f"{g['median_ms']:.2f} ms", verdict(g["median_ms"], 2.0)))
    else:
        gui_rows.append("| GUI: CPU time per frame, 10,000 rows | *benches/gui_frames.rs did not run* | | |")

    lines = [
        "# Benchmarks",
        "",
        "Written by `scripts/bench.sh` (see the README); the numbers are medians of warm-cache",
        "runs measured with hyperfine, all in one run of the script on one machine.",
        "",
        "| | |",
        "| --- | --- |",
    ]
    for key in ["date", "machine", "cpu", "memory", "filesystem", "load", "threads", "janitor", "du", "diskus", "hyperfine", "rustc"]:
        label = {"load": "load average at the end", "threads": "threads (diskus -j, RAYON_NUM_THREADS)"}.get(key, key)
        lines.append(f"| {label} | {machine.get(key, '?')} |")
    lines += [
        "",
        "Data (`examples/bench_data`): (a) 1,000 cloned workspaces shaped like git",
        "checkouts, about 253,000 entries and 1.6 GB, packs hard-linked in groups of ten, read-only",
        "loose objects and module caches; (b) one workspace of 200,000 files; (c) 10,000 task",
        "records with 2,000-line `logs` (about 1.2 GB of TOML).",
        "",
        "## Medians",
        "",
        "| measurement | tool | median | range / notes |",
        "| --- | --- | --- | --- |",
        *rows,
        *gui_rows,
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "| --- | --- | --- |",
        *[f"| {name} | {value} | {result} |" for name, value, result in checks],
        "",
    ]
    notes = ""
    if os.path.exists(out):
        existing = open(out).read()
        if NOTES_MARKER in existing:
            notes = existing.split(NOTES_MARKER, 1)[1]
    with open(out, "w") as f:
        f.write("\n".join(lines) + NOTES_MARKER + (notes or "\n"))


if __name__ == "__main__":
    main()
