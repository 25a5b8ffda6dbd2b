"""The `crebot` command line."""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path

from pydantic import ValidationError

from bot.bundled import bundled, sample_config
from bot.config.loader import load_domain
from bot.config.settings import Settings
from bot.errors import ConfigError


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SystemExit(f"crebot: invalid environment: {problems}") from None


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.main import create_app

    settings = _settings()
    app = create_app(settings, migrate=not args.no_migrate, reload_on_sighup=True)

    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
    )
    uvicorn.Server(config).run()
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from bot import migrate

    url = _settings().database_url
    if args.action == "upgrade":
        migrate.upgrade(url)
        print(f"database at head ({migrate.current(url)})")
    else:
        print(migrate.current(url) or "empty (no migrations applied)")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    settings = _settings()
    if args.action == "reload":
        return _reload(settings, args.url)
    path = Path(args.file) if args.file else settings.config_path
    playbooks = Path(args.playbooks) if args.playbooks else settings.playbooks_dir
    try:
        domain = load_domain(path, playbooks)
    except ConfigError as exc:
        for problem in exc.problems[:50]:
            print(problem, file=sys.stderr)
        more = len(exc.problems) - 50
        if more > 0:
            print(f"… and {more} more problems", file=sys.stderr)
        return 1
    print(
        f"{path}: ok ({len(domain.config.tenants)} key tenants, {len(domain.config.teams)} teams)"
    )
    print(f"{playbooks}: ok ({len(domain.playbooks)} failure signatures)")
    return 0


def _reload(settings: Settings, url: str) -> int:
    if settings.api_token is None:
        print("crebot: CREBOT_API_TOKEN is needed to ask the server to reload", file=sys.stderr)
        return 1
    request = urllib.request.Request(
        url.rstrip("/") + "/api/config/reload",
        method="POST",
        headers={"Authorization": f"Bearer {settings.api_token.get_secret_value()}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print(json.dumps(json.loads(response.read()), indent=2))
            return 0
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
        try:
            for problem in json.loads(body).get("problems", []):
                print(problem, file=sys.stderr)
        except ValueError:
            print(body, file=sys.stderr)
        print(
            f"crebot: reload refused ({exc.code}); the running configuration is unchanged",
            file=sys.stderr,
        )
        return 1
    except urllib.error.URLError as exc:
        print(f"crebot: cannot reach {url}: {exc.reason}", file=sys.stderr)
        return 1


def cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.dir)
    config = target / "crebot.yaml"
    playbooks = target / "playbooks"
    if (config.exists() or playbooks.exists()) and not args.force:
        print(
            f"crebot: {config} or {playbooks}/ already exists (use --force to overwrite)",
            file=sys.stderr,
        )
        return 1
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample_config(), config)
    shutil.copytree(bundled("playbooks"), playbooks, dirs_exist_ok=True)
    print(f"wrote {config} and {playbooks}/ — edit them, then `crebot config check`")
    return 0


def cmd_manifest(args: argparse.Namespace) -> int:
    from bot.slack.manifest import manifest_yaml

    if not args.url and not args.socket_mode:
        print("crebot: give --url https://your-host (or --socket-mode)", file=sys.stderr)
        return 2
    sys.stdout.write(manifest_yaml(args.url, socket_mode=args.socket_mode))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from bot.reports.command import run

    settings = _settings()
    try:
        text = run(
            settings.database_url,
            since=args.since,
            until=args.until,
            tenant=args.tenant,
            fmt=args.format,
        )
    except ValueError as exc:
        print(f"crebot: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="crebot", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the service")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations")
    s.set_defaults(fn=cmd_serve)

    d = sub.add_parser("db", help="database migrations")
    d.add_argument("action", choices=["upgrade", "current"])
    d.set_defaults(fn=cmd_db)

    c = sub.add_parser("config", help="check or reload crebot.yaml and the playbooks")
    c.add_argument("action", choices=["check", "reload"])
    c.add_argument("file", nargs="?", help="crebot.yaml to check (default: CREBOT_CONFIG)")
    c.add_argument("--playbooks", help="playbooks folder (default: CREBOT_PLAYBOOKS_DIR)")
    c.add_argument("--url", default="http://127.0.0.1:8080", help="the server, for reload")
    c.set_defaults(fn=cmd_config)

    i = sub.add_parser("init", help="write the sample crebot.yaml and playbooks here")
    i.add_argument("dir", nargs="?", default=".")
    i.add_argument("--force", action="store_true")
    i.set_defaults(fn=cmd_init)

    r = sub.add_parser("report", help="the per-tenant reliability report")
    r.add_argument("--since", default="30d", help="period length (30d) or start date")
    r.add_argument("--until", help="end of the period: a date or RFC 3339 time (default now)")
    r.add_argument("--tenant", help="one tenant only")
    r.add_argument("--format", choices=["md", "json", "csv"], default="md")
    r.set_defaults(fn=cmd_report)

    m = sub.add_parser("manifest", help="print the Slack app manifest")
    m.add_argument("--url", help="public base URL, e.g. https://crebot.example.com")
    m.add_argument("--socket-mode", action="store_true")
    m.set_defaults(fn=cmd_manifest)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return int(args.fn(args))


if __name__ == "__main__":
    raise SystemExit(main())
