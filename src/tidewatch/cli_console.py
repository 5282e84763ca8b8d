"""The console's commands: `tidewatch serve`, `users`, `partners`, `export-labels`, `evidence`, `audit`.

Mounted into the main `tidewatch` command by `register(app)` (see tidewatch/cli.py). Changes made
here are audited like changes made in the browser, with the actor `cli:<system user>`.
Exit codes as elsewhere: 0 good, 1 a check failed or something was refused, 2 a usage error.
"""
from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated, Optional

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

err = Console(stderr=True)

DbOpt = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: $TIDEWATCH_DATABASE_URL or sqlite:///tidewatch.db).")]

users_app = typer.Typer(help="Console accounts: add, list, disable, enable.", no_args_is_help=True,
                        add_completion=False, rich_markup_mode=None)
evidence_app = typer.Typer(help="Evidence bundles: export and verify.", no_args_is_help=True,
                           add_completion=False, rich_markup_mode=None)
audit_app = typer.Typer(help="The audit trail: verify the hash chain.", no_args_is_help=True,
                        add_completion=False, rich_markup_mode=None)
partners_app = typer.Typer(help="Partner API keys, one platform each: add (shown once), list, revoke.",
                           no_args_is_help=True, add_completion=False, rich_markup_mode=None)


def _cell(value: object) -> Text:
    from tidewatch.cli import cell

    return cell(value)


def _fail(message: str, code: int = 2) -> None:
    err.print(Text.assemble(("error: ", "bold red"), _cell(message)))
    raise typer.Exit(code)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _repo(db: str | None, **settings_overrides):
    from tidewatch.web.app import make_repo
    from tidewatch.web.settings import Settings

    settings = Settings.from_env(**({"database_url": db} if db else {}), **settings_overrides)
    try:
        return settings, make_repo(settings)
    except Exception as e:  # noqa: BLE001 - any driver error becomes one clear line
        _fail(f"cannot open the database ({type(e).__name__}): {str(e).splitlines()[0][:300]}")


def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          db: DbOpt = None,
          admin: Annotated[str, typer.Option(help="Name of the admin account created when there is none.")] = "admin",
          claim_minutes: Annotated[int, typer.Option(help="Minutes before an analyst's claim on an item expires.")] = 30,
          media_root: Annotated[Optional[list[Path]], typer.Option("--media-root", help="Folder whose images the console may show (repeatable).")] = None,
          screenshots: Annotated[bool, typer.Option(help="Offer screenshots of public URLs (headless Chromium).")] = False,
          secure_cookies: Annotated[Optional[bool], typer.Option("--secure-cookies/--no-secure-cookies", help="Force the Secure cookie flag (default: when the request is https).")] = None,
          dispatcher: Annotated[bool, typer.Option("--dispatcher/--no-dispatcher", help="Send queued referrals from a background thread of the console.")] = True,
          dispatch_interval: Annotated[float, typer.Option("--dispatch-interval", min=0.1, help="Seconds the dispatcher waits when nothing is due.")] = 5.0,
          recheck: Annotated[bool, typer.Option("--recheck/--no-recheck", help="Re-check referred URLs on a schedule from a background thread.")] = True,
          recheck_interval: Annotated[float, typer.Option("--recheck-interval", min=1.0, help="Seconds between two liveness rounds.")] = 900.0,
          refer_config: Annotated[Optional[str], typer.Option("--refer-config", help="Referral settings TOML (default: $TIDEWATCH_REFER_CONFIG).")] = None) -> None:
    """Start the analyst console (prints an admin login the first time)."""
    import uvicorn

    from tidewatch.console.passwords import generate_password
    from tidewatch.store.console_repo import QueueFilter
    from tidewatch.web.app import create_app

    overrides = {"claim_minutes": claim_minutes, "screenshots": screenshots,
                 "media_roots": tuple(media_root or ()), "secure_cookies": secure_cookies,
                 "dispatcher": dispatcher, "dispatch_interval": dispatch_interval,
                 "recheck": recheck, "recheck_interval": recheck_interval}
    if refer_config:
        overrides["refer_config"] = refer_config
    settings, repo = _repo(db, **overrides)
    if repo.count_users() == 0:
        password = generate_password()
        repo.add_user(admin, password, "admin", _actor())
        err.print(Text.assemble(("Admin login (shown once): ", "bold"), "user ", (admin, "bold"), "  password ",
                                (password, "bold")))
    app = create_app(settings, repo=repo)
    counts = repo.queue_page(QueueFilter(), limit=1).counts
    err.print(_cell(f"Console at http://{host}:{port}/ — {counts.get('new', 0):,} items waiting, "
                    f"{sum(counts.values()):,} in the queue"))
    if host not in ("127.0.0.1", "localhost", "::1") and not secure_cookies:
        err.print(_cell("warning: listening beyond this machine over plain HTTP; put the console behind HTTPS "
                        "(and pass --secure-cookies)"))
    uvicorn.run(app, host=host, port=port, proxy_headers=True, server_header=False, log_level="info")


@users_app.command("add")
def users_add(name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ - @).")],
              role: Annotated[str, typer.Option(help="analyst, supervisor, admin, auditor, or partner (platform staff, with --platform).")] = "analyst",
              platform: Annotated[Optional[str], typer.Option("--platform", help="With --role partner: the platform whose referrals this account sees.")] = None,
              password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input instead of generating one.")] = False,
              db: DbOpt = None) -> None:
    """Add an account; prints a generated password once unless --password-stdin."""
    from tidewatch.console.passwords import generate_password
    from tidewatch.console.permissions import PARTNER_ROLE
    from tidewatch.store.console_repo import ConsoleError

    if (role == PARTNER_ROLE) != (platform is not None):
        _fail("--platform goes with --role partner, and a partner account needs --platform")
    settings, repo = _repo(db)
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else generate_password()
    try:
        if role == PARTNER_ROLE:
            from tidewatch.store.partner_repo import add_partner_user

            user = add_partner_user(repo, name, password, platform, _actor(),
                                    platforms=_refer_settings(settings).registry.platforms)
        else:
            user = repo.add_user(name, password, role, _actor())
    except ConsoleError as e:
        _fail(str(e), 1)
    err.print(_cell(f"added {user.username} ({user.role}{' for ' + platform if platform else ''})"))
    if not password_stdin:
        typer.echo(password)


@users_app.command("list")
def users_list(db: DbOpt = None) -> None:
    """List accounts with role, status and last login (UTC)."""
    _settings, repo = _repo(db)
    from tidewatch.web.render import utc

    table = Table(title="users", title_justify="left")
    for col in ("user", "role", "status", "last login"):
        table.add_column(col)
    for u in repo.list_users():
        table.add_row(_cell(u["username"]), u["role"], "active" if u["active"] else "disabled", utc(u["last_login_at"]))
    Console().print(table)


def _set_active(name: str, active: bool, db: str | None) -> None:
    from tidewatch.store.console_repo import ConsoleError

    _settings, repo = _repo(db)
    try:
        repo.set_active(name, active, _actor())
    except ConsoleError as e:
        _fail(str(e), 1)
    err.print(_cell(f"{'enabled' if active else 'disabled'} {name}" + ("" if active else "; their sessions are ended")))


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="User name.")], db: DbOpt = None) -> None:
    """Disable an account and end its sessions."""
    _set_active(name, False, db)


@users_app.command("enable")
def users_enable(name: Annotated[str, typer.Argument(help="User name.")], db: DbOpt = None) -> None:
    """Enable a disabled account."""
    _set_active(name, True, db)


def export_labels(output: Annotated[str, typer.Option("--output", "-o", help="JSON Lines file, or - for stdout.")] = "-",
                  db: DbOpt = None) -> None:
    """Write analysts' final decisions in the detector's training format (JSON Lines)."""
    _settings, repo = _repo(db)
    n = pos = 0
    out = sys.stdout.buffer if output == "-" else None
    if out is None:
        p = Path(output)
        if not p.parent.exists():
            _fail(f"output folder does not exist: {p.parent}")
        out = open(p, "wb")
    try:
        for rec in repo.iter_labels():
            out.write(orjson.dumps(rec) + b"\n")
            n += 1
            pos += rec["label"]
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        else:
            out.flush()
    err.print(_cell(f"{n:,} labelled posts written ({pos:,} smuggling, {n - pos:,} not smuggling)"))


@evidence_app.command("export")
def evidence_export(evidence_id: Annotated[str, typer.Argument(metavar="ID", help="Evidence id, e.g. EV-000012 or 12.")],
                    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the bundle into.")] = Path("."),
                    db: DbOpt = None) -> None:
    """Write an evidence bundle: manifest.json, SHA256SUMS and the captured files."""
    from tidewatch.console.evidence import evidence_label, parse_evidence_id, write_bundle
    from tidewatch.store.console_repo import ConsoleError

    try:
        eid = parse_evidence_id(evidence_id)
    except ValueError as e:
        _fail(str(e))
    _settings, repo = _repo(db)
    try:
        manifest, files = repo.evidence_bundle(eid, _actor())
    except ConsoleError as e:
        _fail(str(e), 1)
    folder = output / evidence_label(eid)
    try:
        write_bundle(folder, manifest, files)
    except (FileExistsError, OSError) as e:
        _fail(str(e), 1)
    err.print(_cell(f"{len(files):,} files written to {folder}"))
    typer.echo(str(folder))


@evidence_app.command("verify")
def evidence_verify(bundle: Annotated[Path, typer.Argument(help="Bundle folder (with manifest.json).")],
                    db: Annotated[Optional[str], typer.Option("--db", help="Also compare the digests with those captured in this database.")] = None) -> None:
    """Check a bundle: every file present and unchanged, nothing added; optionally against the database."""
    from tidewatch.console.evidence import parse_evidence_id, verify_bundle

    check = verify_bundle(bundle)
    problems = list(check.problems)
    if db and check.manifest is not None:
        _settings, repo = _repo(db)
        try:
            eid = parse_evidence_id(str(check.manifest.get("evidence_id", "")))
        except ValueError as e:
            problems.append(str(e))
        else:
            stored = repo.stored_digests(eid)
            listed = {f.get("path"): f.get("sha256") for f in check.manifest.get("files", []) if isinstance(f, dict)}
            if not stored:
                problems.append(f"the database holds no evidence {check.manifest.get('evidence_id')}")
            for path, digest in stored.items():
                if listed.get(path) != digest:
                    problems.append(f"{path}: the bundle's digest differs from the one captured in the database")
            for path in set(listed) - set(stored):
                problems.append(f"{path}: not captured in the database")
    for p in problems:
        err.print(Text.assemble(("problem: ", "bold red"), _cell(p)))
    if problems:
        err.print(_cell(f"{bundle}: NOT intact ({len(problems):,} problems)"))
        raise typer.Exit(1)
    err.print(_cell(f"{bundle}: intact ({check.files_checked:,} files checked"
                    + (", digests match the database)" if db else ")")))


@audit_app.command("verify")
def audit_verify(db: DbOpt = None) -> None:
    """Recompute the audit trail's hash chain; any edited or deleted event is reported."""
    _settings, repo = _repo(db)
    report = repo.verify_audit()
    for p in report.problems:
        err.print(Text.assemble(("problem: ", "bold red"), _cell(f"event {p.seq}: {p.kind}: {p.detail}")))
    if not report.ok:
        err.print(_cell(f"audit trail NOT intact: {len(report.problems):,} problems in {report.events:,} events"))
        raise typer.Exit(1)
    err.print(_cell(f"audit trail intact: {report.events:,} events"))
    typer.echo(f"last event {report.last_seq} hash {report.last_hash}")


def _refer_settings(settings):
    import os

    from tidewatch.refer.settings import SettingsError, load_settings

    try:
        return load_settings(settings.refer_config, env=os.environ)
    except (SettingsError, ValueError, OSError) as e:
        _fail(str(e))


@partners_app.command("add-key")
def partners_add_key(platform: Annotated[str, typer.Argument(help="Platform key from the registry, e.g. telegram.")],
                     label: Annotated[Optional[str], typer.Option("--label", help="What the key is for (shown in lists).")] = None,
                     db: DbOpt = None) -> None:
    """Make an API key for one platform's partner API access; the key is printed once, only its hash is kept."""
    from tidewatch.store.console_repo import ConsoleError
    from tidewatch.store.partner_repo import add_key

    settings, repo = _repo(db)
    try:
        k, key = add_key(repo, platform, _actor(), platforms=_refer_settings(settings).registry.platforms, label=label)
    except ConsoleError as e:
        _fail(str(e), 1)
    err.print(_cell(f"key {k.id} for {k.platform} (shown once; store it now):"))
    typer.echo(key)


@partners_app.command("list")
def partners_list(platform: Annotated[Optional[str], typer.Option("--platform", help="Only this platform.")] = None,
                  db: DbOpt = None) -> None:
    """API keys with their platform, prefix, state and last use (UTC)."""
    from tidewatch.store.partner_repo import list_keys
    from tidewatch.web.render import utc

    _settings, repo = _repo(db)
    table = Table(title="partner API keys", title_justify="left")
    for col in ("id", "platform", "key", "label", "created", "last used", "state"):
        table.add_column(col, no_wrap=col in ("id", "platform", "key"))
    for k in list_keys(repo, platform):
        table.add_row(str(k.id), k.platform, f"{k.prefix}…", _cell(k.label or ""), utc(k.created_at),
                      utc(k.last_used_at), "active" if k.active else f"revoked {utc(k.revoked_at)}")
    Console().print(table)


@partners_app.command("revoke")
def partners_revoke(key_id: Annotated[int, typer.Argument(metavar="ID", help="Key id (from `partners list`).")],
                    db: DbOpt = None) -> None:
    """Revoke an API key: requests with it are refused from now on."""
    from tidewatch.store.console_repo import ConsoleError
    from tidewatch.store.partner_repo import revoke_key

    _settings, repo = _repo(db)
    try:
        k = revoke_key(repo, key_id, _actor())
    except ConsoleError as e:
        _fail(str(e), 1)
    err.print(_cell(f"revoked key {k.id} ({k.prefix}…) of {k.platform}"))


def register(app: typer.Typer) -> None:
    """Mount the console's commands on the main `tidewatch` command."""
    app.command("serve")(serve)
    app.command("export-labels")(export_labels)
    app.add_typer(users_app, name="users")
    app.add_typer(evidence_app, name="evidence")
    app.add_typer(audit_app, name="audit")
    app.add_typer(partners_app, name="partners")
