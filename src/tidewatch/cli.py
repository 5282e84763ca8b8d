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
    from tidewatch.detect.loader import load_detector
    from tidewatch.pipeline import analyse_batch
    from tidewatch.runner import run_import

    detector = load_detector()
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
    ents = store.entity_counts()
    rows = _import_rows(stats) + [
        ("posts analysed", counts["analysed"]), ("flagged as smuggling", counts["flagged"]),
        ("distinct phones", ents.get("phone", 0)), ("distinct handles", ents.get("handle", 0)),
        ("posts in database", store.count_posts()), ("detector", detector.version),
    ]
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
            results = iter(process(good)) if good else iter(())
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
             output: OutputOpt = "-") -> None:
    """Score each post: one JSON object per input line, same order."""
    from tidewatch.detect.loader import load_detector
    from tidewatch.pipeline import prepare

    detector = load_detector()

    def process(good):
        docs = [prepare(str(rid), d["text"], d.get("lang") if isinstance(d.get("lang"), str) else None)
                for rid, d in good]
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

    def process(good):
        out = []
        for rid, d in good:
            lang = d.get("lang") if isinstance(d.get("lang"), str) else identify(d["text"]).lang
            out.append({"id": rid, "entities": entities_json(extract_all(d["text"], lang))})
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
    _summary("synth", [(k, v) for k, v in counts.items()] + [("written to", str(output))])


def main() -> None:
    app()


if __name__ == "__main__":
    main()
