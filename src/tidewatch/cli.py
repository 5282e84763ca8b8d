"""The `tidewatch` command. Thin: parses arguments, opens files and the store, calls stage
functions, prints summaries. Exit codes: 0 all good, 1 some records rejected or failed,
2 a usage or input error (nothing was processed)."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, BinaryIO, Iterator, Optional

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

app = typer.Typer(help="tidewatch: find people-smuggling adverts online, get them removed, map the networks.",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None)
err = Console(stderr=True)

DbOpt = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: $TIDEWATCH_DATABASE_URL or sqlite:///tidewatch.db).")]


def _load_detector(model: Path | None):
    """The detector, or a clear message when its folder holds a model this version cannot use."""
    from tidewatch.detect.loader import load_detector

    try:
        return load_detector(model)
    except (ValueError, OSError, KeyError) as e:
        fail(f"cannot load the detector: {e}")


def fail(message: str, code: int = 2) -> None:
    err.print(Text.assemble(("error: ", "bold red"), cell(message)))
    raise typer.Exit(code)


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)


@contextmanager
def _output(path: str) -> Iterator[BinaryIO]:
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    p = Path(path)
    if p.parent and not p.parent.exists():
        fail(f"output folder does not exist: {p.parent}")
    with open(p, "wb") as f:
        yield f


def _input(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    p = Path(path)
    if not p.exists():
        fail(f"input file not found: {path}")
    if p.is_dir():
        fail(f"input is a folder, not a file: {path}")
    return open(p, "rb")


def _open_store(db: str | None):
    from tidewatch.store.repo import Store

    try:
        return Store.open(db)
    except Exception as e:  # noqa: BLE001 - any driver error becomes one clear line
        fail(f"cannot open the database ({type(e).__name__}): {str(e).splitlines()[0][:300]}")


def _open_source(input: str, fmt: str | None, mapping: str | None, allow_private: bool, platform: str | None):
    from tidewatch.ingest import open_source, parse_mapping
    from tidewatch.ingest.base import SourceError

    try:
        return open_source(input, fmt, mapping=parse_mapping(mapping) if mapping else None,
                           allow_private=allow_private, default_platform=platform)
    except (SourceError, ValueError, OSError) as e:
        fail(str(e))


def _rejects_path(input: str, rejects: str | None) -> Path:
    if rejects:
        return Path(rejects)
    stem = "stdin" if input == "-" else Path(input.rstrip("/")).name or "input"
    stem = "".join(c if c.isalnum() or c in "._-" else "_" for c in stem)[:80]
    return Path(f"{stem}.rejects.jsonl")


FormatOpt = Annotated[Optional[str], typer.Option("--format", "-f", help="jsonl, csv, telegram or web (default: from INPUT).")]
MapOpt = Annotated[Optional[str], typer.Option("--map", help="CSV column mapping, e.g. text=body,id=post_id,author.handle=user.")]
RejectsOpt = Annotated[Optional[str], typer.Option("--rejects", help="Where rejected records go (default: <input>.rejects.jsonl).")]
PrivateOpt = Annotated[bool, typer.Option("--allow-private", help="Let the web source fetch loopback/private addresses.")]
PlatformOpt = Annotated[Optional[str], typer.Option("--platform", help="Platform of records that don't name one.")]
RestartOpt = Annotated[bool, typer.Option("--restart", help="Ignore a saved checkpoint and read from the start.")]


def _import(input, fmt, mapping, rejects, allow_private, platform, restart, db, on_new=None):
    from tidewatch.runner import run_import

    source = _open_source(input, fmt, mapping, allow_private, platform)
    store = _open_store(db)
    with _progress() as progress:
        task = progress.add_task(f"reading {input}", total=None)
        stats = run_import(source, store, rejects_path=_rejects_path(input, rejects), restart=restart,
                           on_new=on_new, on_progress=lambda n: progress.update(task, completed=n))
    return store, stats


_CONTROL = dict.fromkeys([*range(0, 9), *range(11, 32), 127, *range(0x80, 0xA0),
                          0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def cell(value: object) -> Text:
    """Hostile text made safe for a terminal: no markup, no control or bidi-override characters."""
    return Text(str(value).translate(_CONTROL))


def _summary(title: str, rows: list[tuple[str, object]]) -> None:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    for k, v in rows:
        table.add_row(cell(k), cell(f"{v:,}" if isinstance(v, int) else v))
    err.print(table)


def _import_rows(stats) -> list[tuple[str, object]]:
    rows = [("records read", stats.read), ("new posts", stats.new), ("already stored", stats.duplicates),
            ("rejected", stats.rejected)]
    if stats.resumed_at:
        rows.insert(0, ("resumed after record", stats.resumed_at))
    if stats.rejected:
        rows.append(("rejects written to", str(stats.rejects_path)))
    return rows


@app.command()
def ingest(input: Annotated[str, typer.Argument(help="File, folder (Telegram export), URL, or - for stdin.")],
           format: FormatOpt = None, map: MapOpt = None, rejects: RejectsOpt = None,
           allow_private: PrivateOpt = False, platform: PlatformOpt = None, restart: RestartOpt = False,
           db: DbOpt = None) -> None:
    """Read posts from a source into the database (idempotent, resumable)."""
    store, stats = _import(input, format, map, rejects, allow_private, platform, restart, db)
    _summary("ingest", _import_rows(stats) + [("posts in database", store.count_posts())])
    raise typer.Exit(1 if stats.rejected else 0)


@app.command()
def scan(input: Annotated[str, typer.Argument(help="File, folder (Telegram export), URL, or - for stdin.")],
         format: FormatOpt = None, map: MapOpt = None, rejects: RejectsOpt = None,
         allow_private: PrivateOpt = False, platform: PlatformOpt = None, restart: RestartOpt = False,
         db: DbOpt = None,
         top: Annotated[int, typer.Option(help="How many of the highest-scoring posts to list.")] = 10) -> None:
    """Ingest, then normalise, detect, extract and link every new post into the database."""
    from tidewatch.pipeline import analyse_batch
    from tidewatch.runner import run_import

    detector = _load_detector(None)
    source = _open_source(input, format, map, allow_private, platform)
    store = _open_store(db)
    counts = {"analysed": 0, "flagged": 0}

    def on_new(posts):
        analysed = analyse_batch(posts, detector)
        store.save_results([a.detection for a in analysed], {a.post.id: a.entities for a in analysed})
        counts["analysed"] += len(analysed)
        counts["flagged"] += sum(a.detection.label for a in analysed)

    with _progress() as progress:
        task = progress.add_task(f"scanning {input}", total=None)
        stats = run_import(source, store, rejects_path=_rejects_path(input, rejects), restart=restart,
                           on_new=on_new, on_progress=lambda n: progress.update(task, completed=n))
    from tidewatch.link.bank import rebuild

    networks = rebuild(store) if counts["analysed"] else None
    ents = store.entity_counts()
    rows = _import_rows(stats) + [
        ("posts analysed", counts["analysed"]), ("flagged as smuggling", counts["flagged"]),
        ("distinct phones", ents.get("phone", 0)), ("distinct handles", ents.get("handle", 0)),
        ("posts in database", store.count_posts()), ("detector", detector.version),
    ]
    if networks is not None:
        rows.insert(-2, ("networks", len(networks)))
    _summary("scan", rows)
    flagged = store.top_flagged(top)
    if flagged:
        table = Table(title=f"highest-scoring posts (top {len(flagged)})", title_justify="left")
        for col in ("score", "platform", "lang", "categories", "text"):
            table.add_column(col, overflow="fold")
        for post, det in flagged:
            text = post.text.replace("\n", " ")
            table.add_row(cell(f"{det['score']:.2f}"), cell(post.platform), cell(det.get("lang") or ""),
                          cell(", ".join(det["categories"])), cell((text[:117] + "...") if len(text) > 120 else text))
        err.print(table)
    raise typer.Exit(1 if stats.rejected else 0)


def _read_contract_lines(f: BinaryIO) -> Iterator[tuple[int, object, dict | None, str | None]]:
    """(line number, id as given or None, record or None, error or None) per non-blank input line."""
    from tidewatch.ingest.jsonl import decode_json_line, iter_lines
    from tidewatch.ingest.base import Checkpoint
    from tidewatch.ingest.schema import BadRecord

    for lineno, raw, error, _after in iter_lines(f, Checkpoint()):
        if error is not None:
            yield lineno, None, None, error
            continue
        try:
            d = decode_json_line(raw)
        except BadRecord as e:
            yield lineno, None, None, str(e)
            continue
        if not isinstance(d, dict):
            yield lineno, None, None, f"record must be a JSON object, got {type(d).__name__}"
            continue
        rid = d.get("id")
        if rid is None or rid == "":
            yield lineno, None, None, "missing required field 'id'"
        elif not isinstance(rid, (str, int)) or isinstance(rid, bool):
            yield lineno, None, None, "field 'id' must be a string or an integer"
        elif not isinstance(d.get("text"), str):
            yield lineno, rid, None, ("missing required field 'text'" if d.get("text") is None
                                      else "field 'text' must be a string")
        else:
            yield lineno, rid, d, None


def _process_guarded(process, good: list) -> list[dict]:
    """`process(good)`; if the batch fails, each record alone, so that one post the code cannot
    handle becomes an error object for its id and the rest of the batch is still answered."""
    if not good:
        return []
    try:
        return list(process(good))
    except Exception:  # noqa: BLE001 - narrowed to the failing records below
        out = []
        for rid, d in good:
            try:
                out += process([(rid, d)])
            except Exception as e:  # noqa: BLE001 - reported in the output, the run goes on
                out.append({"id": rid, "error": f"could not process this record: {type(e).__name__}: {e}"})
        return out


def _contract_run(input: str, output: str, batch_size: int, process) -> None:
    """Shared streaming loop of `classify` and `extract`: order kept, bad lines become error objects."""
    failed = total = 0
    f = _input(input)
    with _output(output) as out, _progress() as progress:
        task = progress.add_task(f"reading {input}", total=None)
        pending: list[tuple[int, object, dict | None, str | None]] = []

        def flush() -> None:
            nonlocal failed
            good = [(rid, d) for _, rid, d, e in pending if e is None]
            results = iter(_process_guarded(process, good))
            for lineno, rid, d, e in pending:
                if e is None:
                    res = next(results)
                    if "error" in res:
                        failed += 1
                else:
                    res = {"id": rid, "line": lineno, "error": e}
                    failed += 1
                out.write(orjson.dumps(res) + b"\n")
            pending.clear()

        for item in _read_contract_lines(f):
            pending.append(item)
            total += 1
            if len(pending) >= batch_size:
                flush()
                progress.update(task, completed=total)
        flush()
    if f is not sys.stdin.buffer:
        f.close()
    err.print(f"{total:,} lines, {total - failed:,} done, {failed:,} failed", highlight=False)
    raise typer.Exit(1 if failed else 0)


OutputOpt = Annotated[str, typer.Option("--output", "-o", help="Output JSON Lines file, or - for stdout.")]


@app.command()
def classify(input: Annotated[str, typer.Argument(help="JSON Lines with at least id and text, or -.")],
             output: OutputOpt = "-",
             model: Annotated[Optional[Path], typer.Option(help="Model folder from `tidewatch train` (default: the packaged model).")] = None) -> None:
    """Score each post: one JSON object per input line, same order."""
    from tidewatch.pipeline import prepare_many

    if model is not None and not (model / "model.json").is_file():
        fail(f"not a model folder (no model.json): {model}")
    detector = _load_detector(model)

    def process(good):
        docs = prepare_many([(str(rid), d["text"], d.get("lang") if isinstance(d.get("lang"), str) else None)
                             for rid, d in good])
        dets = detector.detect_batch(docs)
        return [{"id": rid, "score": det.score, "label": det.label, "categories": list(det.categories),
                 "lang": det.lang, "cues": [c.to_json() for c in det.cues]}
                for (rid, _), det in zip(good, dets)]

    _contract_run(input, output, 256, process)


@app.command()
def extract(input: Annotated[str, typer.Argument(help="JSON Lines with at least id and text, or -.")],
            output: OutputOpt = "-") -> None:
    """Extract phones, handles, URLs, prices and places: one JSON object per input line, same order."""
    from tidewatch.extract import entities_json, extract_all
    from tidewatch.text.langid import identify
    from tidewatch.text.normalise import normalise

    def process(good):
        out = []
        for rid, d in good:
            norm = normalise(d["text"])
            lang = d.get("lang") if isinstance(d.get("lang"), str) else identify(d["text"], norm).lang
            out.append({"id": rid, "entities": entities_json(extract_all(d["text"], lang, norm))})
        return out

    _contract_run(input, output, 256, process)


@app.command()
def synth(n: Annotated[int, typer.Option("--n", min=1, help="Number of posts.")] = 2000,
          seed: Annotated[int, typer.Option(help="Random seed (same seed, same corpus).")] = 7,
          output: Annotated[Path, typer.Option("--output", "-o", help="Folder for posts.jsonl and truth.jsonl.")] = Path("synth")) -> None:
    """Write a synthetic multilingual corpus with planted networks and its ground truth."""
    from tidewatch.synth import write_corpus

    output.mkdir(parents=True, exist_ok=True)
    with _progress() as progress:
        progress.add_task(f"generating {n:,} posts", total=None)
        counts = write_corpus(output, n, seed)
    rows = [(k.replace("_", " "), v) for k, v in counts.items() if not isinstance(v, dict)]
    for key in ("by_lang", "by_category", "by_kind"):
        for name, v in sorted(counts.get(key, {}).items(), key=lambda kv: -kv[1]):
            rows.append((f"{key[3:]}: {name}", v))
    _summary("synth", rows + [("written to", str(output))])


@app.command()
def link(db: DbOpt = None) -> None:
    """(Re)build the intelligence bank: template groups and networks of flagged posts."""
    from tidewatch.link.bank import rebuild

    store = _open_store(db)
    with _progress() as progress:
        progress.add_task("linking", total=None)
        networks = rebuild(store)
    sizes = [len(n.post_ids) for n in networks]
    _summary("link", [("networks", len(networks)), ("posts in networks", sum(sizes)),
                      ("largest network (posts)", max(sizes) if sizes else 0)])


@app.command()
def networks(output: OutputOpt = "-", db: DbOpt = None) -> None:
    """Write one line per post in a network: {"post_id", "network_id"} (post ids as given in the input)."""
    from tidewatch.link.bank import memberships

    store = _open_store(db)
    rows = memberships(store)
    with _output(output) as out:
        for post_id, network_id in rows:
            out.write(orjson.dumps({"post_id": post_id, "network_id": network_id}) + b"\n")
    err.print(cell(f"{len(rows):,} posts in {len({n for _, n in rows}):,} networks"))


@app.command("export-networks")
def export_networks(format: Annotated[str, typer.Option("--format", "-f", help="graphml, gexf, i2 (two CSVs) or stix.")],
                    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (for i2: a folder).")],
                    db: DbOpt = None) -> None:
    """Export the intelligence bank for Gephi (GraphML/GEXF), i2 Analyst's Notebook (CSV) or STIX 2.1."""
    from tidewatch.link import export as ex

    if format not in ("graphml", "gexf", "i2", "stix"):
        fail(f"unknown format {format!r}: use graphml, gexf, i2 or stix")
    snap = ex.snapshot(_open_store(db))
    if format == "i2":
        output.mkdir(parents=True, exist_ok=True)
        entities, links = ex.to_i2(snap)
        (output / "entities.csv").write_text(entities, encoding="utf-8-sig")
        (output / "links.csv").write_text(links, encoding="utf-8-sig")
    elif format == "stix":
        output.write_bytes(orjson.dumps(ex.to_stix(snap), option=orjson.OPT_INDENT_2))
    else:
        output.write_text(ex.to_graphml(snap) if format == "graphml" else ex.to_gexf(snap), encoding="utf-8")
    err.print(cell(f"{len(snap.networks):,} networks, {len(snap.posts):,} posts written to {output}"))


def _project_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "data" / "labelled").is_dir():
            return parent
    return Path.cwd()


@app.command()
def train(output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Model folder (default: the packaged model).")] = None,
          data: Annotated[Optional[list[Path]], typer.Option(help="Folder of labelled JSON Lines; repeatable (default: data/labelled/train*).")] = None,
          seed_file: Annotated[Optional[Path], typer.Option(help="The shared seed set (default: ../shared/data/dev_labelled.jsonl).")] = None,
          eval_dir: Annotated[Optional[list[Path]], typer.Option(help="Held-out folder reported in the model card; repeatable (default: data/labelled/eval*).")] = None,
          synth: Annotated[int, typer.Option(help="Synthetic examples to add (weight 0.5).")] = 3000) -> None:
    """Rebuild the detector from the labelled data in the repository."""
    from tidewatch.detect.data import read_many
    from tidewatch.detect.loader import MODEL_DIR
    from tidewatch.detect.train import default_paths, gather, git_version
    from tidewatch.detect.train import train as run_train

    root = _project_root()
    paths = default_paths(root)
    train_dirs = data or paths["train_dirs"]
    missing = [d for d in train_dirs if not d.is_dir()]
    if missing or not train_dirs:
        fail(f"training data folder not found: {missing[0] if missing else root / 'data' / 'labelled' / 'train'}")
    examples = gather(train_dirs, seed_file or paths["seed"], synth)
    eval_dirs = eval_dir or paths["eval_dirs"]
    held_out = read_many(sorted(p for d in eval_dirs if d.is_dir() for p in d.glob("*.jsonl")))
    out = output or MODEL_DIR
    with _progress() as progress:
        progress.add_task(f"training on {len(examples):,} examples", total=None)
        card = run_train(examples, out, git_version(root), held_out)
    o = card["out_of_fold"]["overall"]
    rows = [("examples", card["data"]["examples"]), ("positives", card["data"]["positives"]),
            ("threshold", f"{card['threshold']:.3f}"), ("out-of-fold F1", f"{o['f1']:.3f}")]
    if "held_out" in card:
        rows.append(("held-out F1", f"{card['held_out']['overall']['f1']:.3f}"))
    _summary("train", rows + [("model written to", str(out))])


def _read_labelled(file: Path, read, what: str) -> tuple[list, list]:
    """Records of a labelled file or folder of .jsonl files, through `read(path) -> (records,
    [(line, reason)])`; unreadable lines are printed (the first 20) and returned; stops with an
    error when the input is missing or nothing could be read."""
    if not file.exists():
        fail(f"input file not found: {file}")
    files = sorted(file.glob("*.jsonl")) if file.is_dir() else [file]
    if not files:
        fail(f"no .jsonl files in folder: {file}")
    records, bad = [], []
    for path in files:
        got, bad_lines = read(path)
        records += got
        bad += [(f"{path.name}:{line}" if file.is_dir() else f"line {line}", reason) for line, reason in bad_lines]
    for where, reason in bad[:20]:
        err.print(cell(f"{where}: {reason}"))
    if len(bad) > 20:
        err.print(f"... and {len(bad) - 20} more unreadable lines")
    if not records:
        fail(f"no {what} could be read")
    return records, bad


@app.command("eval")
def eval_(file: Annotated[Path, typer.Argument(help="Labelled JSON Lines (id, text, label, + lang, categories, kind), or a folder of them.")],
          output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the full report as JSON here.")] = None,
          model: Annotated[Optional[Path], typer.Option(help="Model folder (default: the packaged model).")] = None) -> None:
    """Measure the detector (and the two baselines) on a labelled file."""
    from tidewatch.detect.baseline import KeywordBaseline
    from tidewatch.detect.data import read_examples
    from tidewatch.detect.evaluate import evaluate
    from tidewatch.detect.loader import MODEL_DIR
    from tidewatch.detect.ngram_baseline import CharNgramBaseline
    from tidewatch.detect.train import prepare_examples

    examples, bad = _read_labelled(file, read_examples, "labelled examples")
    detector = _load_detector(model)
    docs = prepare_examples(examples)
    systems = {"model": detector, "keyword baseline": KeywordBaseline()}
    ngram_path = Path(model or MODEL_DIR) / "ngram_baseline.npz"
    if ngram_path.exists():
        systems["char n-gram baseline"] = CharNgramBaseline.load(ngram_path)
    reports = {name: evaluate(examples, det.detect_batch(docs)) for name, det in systems.items()}
    main_rep = reports["model"]
    table = Table(title=f"{file.name}: {len(examples):,} examples", title_justify="left")
    table.add_column("slice")
    for name in reports:
        table.add_column(f"{name} P / R / F1", justify="right")
    def prf_cell(r):
        return f"{r['precision']:.3f} / {r['recall']:.3f} / {r['f1']:.3f}"
    table.add_row("overall", *[prf_cell(r.overall) for r in reports.values()])
    for lang in main_rep.per_lang:
        table.add_row(cell(f"lang {lang} (n={main_rep.per_lang[lang]['n']}, pos={main_rep.per_lang[lang]['positives']})"),
                      *[prf_cell(r.per_lang[lang]) for r in reports.values()])
    err.print(table)
    fpr = Table(title="false-positive rate by negative kind", title_justify="left")
    fpr.add_column("kind")
    for name in reports:
        fpr.add_column(name, justify="right")
    for kind, r in main_rep.fpr_by_kind.items():
        fpr.add_row(cell(f"{kind} (n={r['n']})"), *[f"{rep.fpr_by_kind[kind]['rate']:.3f}" for rep in reports.values()])
    err.print(fpr)
    cats = Table(title=f"category F1 (macro {main_rep.category_macro_f1:.3f})", title_justify="left")
    cats.add_column("category")
    cats.add_column("F1", justify="right")
    for c, f1 in main_rep.category_f1.items():
        cats.add_row(c, f"{f1:.3f}")
    err.print(cats)
    cal = Table(title="calibration", title_justify="left")
    for col in ("score bin", "n", "mean score", "observed rate"):
        cal.add_column(col, justify="right")
    for b in main_rep.calibration:
        if b["n"]:
            cal.add_row(b["bin"], f"{b['n']:,}", f"{b['mean_score']:.3f}", f"{b['observed_rate']:.3f}")
    err.print(cal)
    worst = Table(title="worst errors", title_justify="left")
    for col in ("id", "lang", "label", "score", "text"):
        worst.add_column(col, overflow="fold")
    for w in main_rep.worst:
        worst.add_row(cell(w["id"]), cell(w["lang"]), str(w["label"]), f"{w['score']:.2f}", cell(w["text"][:140]))
    err.print(worst)
    if output:
        output.write_bytes(orjson.dumps({name: r.as_dict() for name, r in reports.items()},
                                        option=orjson.OPT_INDENT_2))
        err.print(cell(f"report written to {output}"))
    if bad:
        raise typer.Exit(1)


@app.command("eval-extract")
def eval_extract(file: Annotated[Path, typer.Argument(help="Labelled JSON Lines (id, text, entities, + lang), or a folder of them.")],
                 output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the full report as JSON here.")] = None) -> None:
    """Measure the extractors (phones, handles, prices, places) on a labelled file."""
    from tidewatch.extract.evaluate import KINDS, evaluate_posts, read_posts

    posts, bad = _read_labelled(file, read_posts, "labelled posts")
    report = evaluate_posts(posts)
    table = Table(title=f"{file.name}: {len(posts):,} posts", title_justify="left")
    for col in ("kind", "true", "found", "precision", "recall", "F1"):
        table.add_column(col, justify="right" if col != "kind" else "left")
    for kind, r in report["kinds"].items():
        table.add_row(kind, f"{r['true']:,}", f"{r['found']:,}", f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}")
    err.print(table)
    by_lang = Table(title="recall by language (true count)", title_justify="left")
    by_lang.add_column("lang")
    for kind in KINDS:
        by_lang.add_column(kind, justify="right")
    for lang, kinds in sorted(report["per_language"].items()):
        by_lang.add_row(cell(lang), *[f"{kinds[k]['recall']:.3f} ({kinds[k]['true']})" if k in kinds else "" for k in KINDS])
    err.print(by_lang)
    wrong = Table(title="posts read wrongly (first few per kind)", title_justify="left")
    for col in ("kind", "id", "missed", "extra", "text"):
        wrong.add_column(col, overflow="fold")
    for kind, rows in report["misses"].items():
        for m in rows[:4]:
            wrong.add_row(kind, cell(m["id"]), cell(", ".join(m["missed"])), cell(", ".join(m["extra"])), cell(m["text"][:100]))
    err.print(wrong)
    if output:
        output.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
        err.print(cell(f"report written to {output}"))
    if bad:
        raise typer.Exit(1)


from tidewatch import cli_refer  # noqa: E402
from tidewatch.cli_console import register as _register_console  # noqa: E402

app.add_typer(cli_refer.refer_app, name="refer")
app.add_typer(cli_refer.referrals_app, name="referrals")
app.command("dispatch")(cli_refer.dispatch)
app.command("recheck")(cli_refer.recheck)
_register_console(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
