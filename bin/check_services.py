"""Stop at once, naming what to start, when PostgreSQL or Redis does not answer."""

import os
import sys

import environ
import psycopg
import redis


def main() -> int:
    """Exit 1 with instructions when a service the tests need is unreachable."""
    problems = []
    db = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    try:
        psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        problems.append(
            f"PostgreSQL at {db['HOST']}:{db['PORT']} does not answer ({exc.__class__.__name__}). Start it:\n"
            "    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
            "  or point DATABASE_URL at a running server."
        )
    url = os.environ["REDIS_URL"]
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(
            f"Redis at {url} does not answer ({exc.__class__.__name__}). Start it:\n"
            '    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n'
            "  or point REDIS_URL at a running server."
        )
    for problem in problems:
        print(f"bin/test: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
