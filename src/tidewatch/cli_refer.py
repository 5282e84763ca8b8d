"""Referral commands, mounted on the `tidewatch` command (see tidewatch.cli):

    tidewatch refer build [INPUT | --from-detections]   confirmed items -> referrals + outbox
    tidewatch dispatch [--once] [--max-attempts N]       send the outbox (retries, dead letters)
    tidewatch recheck [--allow-private]                  re-fetch referred URLs, record online/offline
    tidewatch referrals list | export | metrics | dead-letters | requeue

Thin, like tidewatch.cli: parse arguments, open the store and settings, call tidewatch.refer, print.
Exit codes: 0 all good, 1 some items/deliveries failed, 2 a usage or input error.
"""
from __future__ import annotations

import sys
import threading
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Iterator, Optional

import orjson
import typer
from rich.table import Table

refer_app = typer.Typer(help="Build referrals (notices to platforms) from confirmed items.", no_args_is_help=True,
                        add_completion=False, rich_markup_mode=None)
referrals_app = typer.Typer(help="List, export and measure referrals.", no_args_is_help=True,
                            add_completion=False, rich_markup_mode=None)

DbOpt = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: $TIDEWATCH_DATABASE_URL or sqlite:///tidewatch.db).")]
ConfigOpt = Annotated[Optional[str], typer.Option("--config", help="Referral settings TOML (default: $TIDEWATCH_REFER_CONFIG).")]
PlatformFilter = Annotated[Optional[str], typer.Option("--platform", help="Only this platform (registry key, e.g. telegram).")]
StatusFilter = Annotated[Optional[str], typer.Option("--status", help="Only this status (drafted, sent, acknowledged, actioned, declined, expired).")]


def _cli():
    from tidewatch import cli  # late: tidewatch.cli mounts this module

    return cli


def _store(db: str | None):
    """The store, closed (pool disposed) when the command ends, however it ends."""
    import click

    store = _cli()._open_store(db)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(store.close)
    return store


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _settings(config: str | None):
    import os

    from tidewatch.refer.settings import SettingsError, load_settings

    try:
        return load_settings(config, env=os.environ)
    except (SettingsError, ValueError, OSError) as e:
        _cli().fail(str(e))


def _lines(path: str) -> Iterator[tuple[int, Any, str | None]]:
    f = _cli()._input(path)
    try:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                yield n, orjson.loads(raw), None
            except orjson.JSONDecodeError as e:
                yield n, None, f"not JSON: {e}"
    finally:
        if f is not sys.stdin.buffer:
            f.close()


def _confirmed_from_file(store, path: str) -> tuple[list, list[tuple[str, str]]]:
    """Items from JSON Lines: {"post_id", "categories", ["cues"], ["explanation"], ["url"], ["lang"],
    ["decision_id"]}; the post must be in the database (its URL, text and platform come from there)."""
    from tidewatch.refer.notice import ConfirmedItem, cue_notes, evidence_digest

    items, rejects = [], []
    for n, obj, error in _lines(path):
        where = f"line {n}"
        if error:
            rejects.append((where, error))
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("post_id"), str):
            rejects.append((where, "needs a JSON object with a string post_id"))
            continue
        cats = obj.get("categories")
        if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
            rejects.append((obj["post_id"], "categories must be a list of strings"))
            continue
        post = store.get_post(obj["post_id"])
        if post is None:
            rejects.append((obj["post_id"], "no such post in the database (use the stored post id)"))
            continue
        cues = obj.get("cues") if isinstance(obj.get("cues"), list) else []
        items.append(ConfirmedItem(
            post_id=post.id, categories=tuple(cats), url=obj.get("url") if isinstance(obj.get("url"), str) else post.url,
            platform=post.platform, cues=cue_notes(c for c in cues if isinstance(c, dict)),
            lang=obj.get("lang") if isinstance(obj.get("lang"), str) else post.lang,
            evidence_digest=evidence_digest(post.text),
            decision_id=obj.get("decision_id") if isinstance(obj.get("decision_id"), str) else None,
            explanation=obj.get("explanation") if isinstance(obj.get("explanation"), str) else None))
    return items, rejects


def _confirmed_from_detections(store, min_score: float) -> list:
    from sqlalchemy import select

    from tidewatch.refer.notice import ConfirmedItem, cue_notes, evidence_digest
    from tidewatch.store.models import DetectionRow, PostRow

    q = (select(PostRow.id, PostRow.url, PostRow.platform, PostRow.lang, PostRow.text, DetectionRow.categories,
                DetectionRow.cues, DetectionRow.lang)
         .join(DetectionRow, DetectionRow.post_id == PostRow.id)
         .where(DetectionRow.label == 1, DetectionRow.score >= min_score).order_by(PostRow.id))
    with store.engine.connect() as conn:
        return [ConfirmedItem(post_id=pid, categories=tuple(cats or ()), url=url, platform=platform,
                              cues=cue_notes(cues or []), lang=dlang or plang, evidence_digest=evidence_digest(text))
                for pid, url, platform, plang, text, cats, cues, dlang in conn.execute(q)]


@refer_app.command("build")
def build(input: Annotated[Optional[str], typer.Argument(help="JSON Lines of confirmed items (post_id, categories, cues...), or -.")] = None,
          from_detections: Annotated[bool, typer.Option("--from-detections", help="Refer every post detected as positive (label=1) not referred yet.")] = False,
          min_score: Annotated[float, typer.Option("--min-score", help="With --from-detections: only scores at or above this.")] = 0.0,
          max_items: Annotated[int, typer.Option("--max-items", min=1, max=500, help="Items per notice at most.")] = 50,
          dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the notices as JSON Lines; store nothing.")] = False,
          config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Group confirmed items into notices per platform and queue them for dispatch (one transaction)."""
    from tidewatch.refer.notice import build_notices
    from tidewatch.refer.outbox import create_referrals, referred_post_ids

    cli = _cli()
    if (input is None) == (not from_detections):
        cli.fail("give either INPUT (confirmed items) or --from-detections")
    settings = _settings(config)
    store = _store(db)
    if from_detections:
        items, rejects = _confirmed_from_detections(store, min_score), []
    else:
        items, rejects = _confirmed_from_file(store, input)
    with store.engine.connect() as conn:
        done = referred_post_ids(conn, [i.post_id for i in items])
    skipped = [i for i in items if i.post_id in done]
    items = [i for i in items if i.post_id not in done]
    now = _now()
    result = build_notices(items, settings, now=now, max_items=max_items)
    if dry_run:
        for n in result.notices:
            sys.stdout.buffer.write(orjson.dumps(n.to_json()) + b"\n")
    else:
        with store.engine.begin() as conn:
            create_referrals(conn, result.notices, settings.registry, now=now, actor="cli:refer-build")
    table = Table(title="referrals built" + (" (dry run: nothing stored)" if dry_run else ""), title_justify="left")
    for col in ("platform", "notices", "items", "urgent notices", "channels"):
        table.add_column(col, justify="left" if col in ("platform", "channels") else "right")
    per: dict[str, list] = {}
    for n in result.notices:
        per.setdefault(n.platform, []).append(n)
    for key, ns in sorted(per.items()):
        table.add_row(cli.cell(key), f"{len(ns):,}", f"{sum(len(n.items) for n in ns):,}",
                      f"{sum(n.priority == 1 for n in ns):,}", cli.cell(", ".join(settings.registry.get(key).channels)))
    cli.err.print(table)
    cli._summary("items", [("already referred (skipped)", len(skipped)), ("rejected input lines", len(rejects)),
                           ("not referable", len(result.unroutable))])
    for where, why in (rejects + [(u.post_id, u.reason) for u in result.unroutable])[:20]:
        cli.err.print(cli.cell(f"  {where}: {why}"))
    raise typer.Exit(1 if rejects or result.unroutable else 0)


def dispatch(once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit.")] = False,
             max_attempts: Annotated[Optional[int], typer.Option("--max-attempts", min=1, help="Attempts before a delivery is dead-lettered.")] = None,
             poll: Annotated[float, typer.Option("--poll", min=0.1, help="Seconds between polls when idle.")] = 5.0,
             config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Send queued referrals through their channels, retrying with backoff; dead-letter the undeliverable."""
    from tidewatch.refer.channels import ChannelSet
    from tidewatch.refer.dispatch import Dispatcher, outbox_counts

    cli = _cli()
    settings = _settings(config)
    store = _store(db)
    ds = settings.dispatch
    channels = ChannelSet(settings, store.engine)
    d = Dispatcher(store.engine, channels, max_attempts=max_attempts or ds.max_attempts, base_delay=ds.base_delay,
                   max_delay=ds.max_delay, lease=ds.lease)
    try:
        if once:
            stats = d.run_once()
        else:
            stop = threading.Event()
            cli.err.print(cli.cell(f"dispatching as {d.worker}; Ctrl-C to stop"))
            try:
                stats = d.run(stop, poll=poll)
            except KeyboardInterrupt:
                stop.set()
                stats = None
    finally:
        channels.close()
    counts = outbox_counts(store.engine)
    rows = [] if stats is None else [("claimed", stats.claimed), ("delivered", stats.delivered),
                                     ("to retry later", stats.retried), ("dead-lettered", stats.dead)]
    cli._summary("dispatch", rows + [(f"outbox {k}", v) for k, v in sorted(counts.items())])
    raise typer.Exit(1 if stats is not None and stats.dead else 0)


def recheck(allow_private: Annotated[bool, typer.Option("--allow-private", help="Let checks fetch loopback/private addresses (tests, intranet).")] = False,
            limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Check at most this many URLs.")] = None,
            min_interval_hours: Annotated[Optional[float], typer.Option("--min-interval-hours", min=0, help="Skip URLs checked more recently (default from settings: 6).")] = None,
            per_host_interval: Annotated[Optional[float], typer.Option("--per-host-interval", min=0, help="Seconds between requests to one host (default from settings: 2).")] = None,
            config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Re-fetch referred URLs (address rules as ingest) and record online / offline / unknown."""
    from dataclasses import replace

    from tidewatch.refer.liveness import recheck as run_recheck

    cli = _cli()
    settings = _settings(config)
    store = _store(db)
    lv = settings.liveness
    if per_host_interval is not None:
        lv = replace(lv, per_host_interval=per_host_interval)
    stats = run_recheck(store.engine, settings, allow_private=allow_private, limit=limit, liveness=lv,
                        min_interval=timedelta(hours=min_interval_hours) if min_interval_hours is not None else None)
    cli._summary("recheck", [("checked", stats.checked), ("online", stats.online), ("offline", stats.offline),
                             ("unknown", stats.unknown), ("first seen offline now", stats.newly_offline)])


def _load(store, platform: str | None, status: str | None) -> list[dict]:
    from tidewatch.refer.repo import load_referrals

    with store.engine.connect() as conn:
        return load_referrals(conn, platform=platform, status=status)


@referrals_app.command("list")
def list_(platform: PlatformFilter = None, status: StatusFilter = None,
          format: Annotated[str, typer.Option("--format", "-f", help="table or jsonl.")] = "table",
          db: DbOpt = None) -> None:
    """Referrals with their status, deadline and outcome."""
    cli = _cli()
    if format not in ("table", "jsonl"):
        cli.fail("--format must be table or jsonl")
    refs = _load(_store(db), platform, status)
    if format == "jsonl":
        for r in refs:
            sys.stdout.buffer.write(orjson.dumps(r) + b"\n")
        return
    t = Table(title=f"referrals ({len(refs):,})", title_justify="left")
    for col in ("reference", "platform", "status", "priority", "items", "removed", "sent (UTC)", "deadline (UTC)"):
        t.add_column(col)
    for r in refs:
        removed = sum(1 for i in r["items"] if i["removed_at"] or i["first_seen_offline_at"])
        t.add_row(*(cli.cell(x) for x in (r["reference"], r["platform"], r["status"], r["priority"],
                                          f"{len(r['items']):,}", f"{removed:,}", (r["sent_at"] or "")[:16],
                                          (r["deadline"] or "")[:16])))
    cli.err.print(t)


@referrals_app.command("export")
def export(format: Annotated[str, typer.Option("--format", "-f", help="csv (one row per item) or json.")] = "csv",
           output: Annotated[str, typer.Option("--output", "-o", help="File, or - for stdout.")] = "-",
           platform: PlatformFilter = None, status: StatusFilter = None,
           partner: Annotated[bool, typer.Option("--partner", help="JSON: only what the platform itself may see.")] = False,
           db: DbOpt = None) -> None:
    """A downloadable bundle of referrals (CSV cells are neutralised against formula injection)."""
    from tidewatch.refer.bundle import to_csv, to_json

    cli = _cli()
    if format not in ("csv", "json"):
        cli.fail("--format must be csv or json")
    refs = _load(_store(db), platform, status)
    data = to_csv(refs).encode("utf-8") if format == "csv" else to_json(refs, partner=partner)
    with cli._output(output) as f:
        f.write(data)
    cli.err.print(cli.cell(f"{len(refs):,} referral(s) exported"))


@referrals_app.command("metrics")
def metrics(by: Annotated[str, typer.Option("--by", help="Comma-separated: platform, category, lang (empty: overall).")] = "platform",
            format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
            platform: PlatformFilter = None, db: DbOpt = None) -> None:
    """Removal rate, time from sent to removal (reported / observed), open past SLA, declines."""
    from tidewatch.refer.metrics import load_outcomes, summarise

    cli = _cli()
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    if format not in ("table", "json"):
        cli.fail("--format must be table or json")
    store = _store(db)
    with store.engine.connect() as conn:
        rows = load_outcomes(conn, platform=platform)
    try:
        groups = summarise(rows, now=_now(), by=dims)
    except ValueError as e:
        cli.fail(str(e))
    if format == "json":
        sys.stdout.buffer.write(orjson.dumps([g.to_json() for g in groups], option=orjson.OPT_INDENT_2) + b"\n")
        return

    def h(x):
        return "" if x is None else f"{x:,.1f} h"

    t = Table(title="referral metrics (times from sent, UTC)", title_justify="left")
    for col in (*dims, "referred", "removed", "rate", "median reported", "p90 reported", "median observed",
                "p90 observed", "open past SLA", "declined"):
        t.add_column(col, justify="left" if col in dims else "right")
    for g in groups:
        t.add_row(*(cli.cell(g.key[d] or "?") for d in dims), f"{g.referred:,}", f"{g.removed:,}",
                  "" if g.removal_rate is None else f"{g.removal_rate:.1%}", h(g.median_hours_reported),
                  h(g.p90_hours_reported), h(g.median_hours_observed), h(g.p90_hours_observed),
                  f"{g.open_past_sla:,}", f"{g.declined:,}")
    cli.err.print(t)


@referrals_app.command("dead-letters")
def dead(platform: PlatformFilter = None, db: DbOpt = None) -> None:
    """Deliveries that gave up (for a supervisor): fix the endpoint, then `referrals requeue ID`."""
    from tidewatch.refer.outbox import dead_letters

    cli = _cli()
    store = _store(db)
    with store.engine.connect() as conn:
        rows = dead_letters(conn, platform)
    t = Table(title=f"dead letters ({len(rows):,})", title_justify="left")
    for col in ("id", "reference", "platform", "channel", "attempts", "last error"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(str(r["id"]), *(cli.cell(r[k]) for k in ("reference", "platform", "channel")), str(r["attempts"]),
                  cli.cell((r["last_error"] or "")[:200]))
    cli.err.print(t)
    raise typer.Exit(1 if rows else 0)


@referrals_app.command("requeue")
def requeue_(outbox_id: Annotated[int, typer.Argument(help="Dead-letter id (from `referrals dead-letters`).")],
             db: DbOpt = None) -> None:
    """Give a dead delivery new attempts (same idempotency key)."""
    from tidewatch.refer.outbox import requeue

    cli = _cli()
    store = _store(db)
    with store.engine.begin() as conn:
        ok = requeue(conn, outbox_id, now=_now(), actor="cli:requeue")
    if not ok:
        cli.fail(f"no dead letter with id {outbox_id}")
    cli.err.print(cli.cell(f"delivery {outbox_id} requeued"))


__all__ = ["dispatch", "recheck", "refer_app", "referrals_app"]
