"""``steadyflow users add/list/remove/token/password``: accounts from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from steadyflow.errors import InvalidInputError

if TYPE_CHECKING:
    from engine.accounts import Accounts


def _accounts(args: argparse.Namespace) -> Accounts:
    from engine.accounts import Accounts
    from steadyflow.cli.commands import open_engine

    return Accounts(open_engine(args).db)


def _read_password(args: argparse.Namespace) -> str | None:
    """--password-stdin reads one line; an interactive terminal asks twice; otherwise one is generated."""
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInputError("--password-stdin got an empty line; pipe the password in, e.g. echo ... |")
        return line
    if sys.stdin.isatty() and not args.generate:
        first = getpass.getpass(f"password for {args.name}: ")
        if first != getpass.getpass("again: "):
            raise InvalidInputError("the two passwords differ; run the command again")
        return first
    return None


def cmd_users(args: argparse.Namespace) -> int:
    accounts = _accounts(args)
    if args.action == "list":
        users = accounts.users()
        if not users:
            print("no users yet: 'steadyflow serve' creates an admin on first start")
        for user in users:
            note = "  (must change password)" if user.must_change_password else ""
            tokens = len(accounts.tokens(user.username))
            print(f"{user.username:<24} {user.role:<9} {tokens} token(s){note}")
        return 0
    if not args.name:
        raise InvalidInputError(f"'steadyflow users {args.action}' needs a user name")
    if args.action == "add":
        password = _read_password(args)
        user, secret = accounts.add_user(args.name, args.role, password)
        print(f"added {user.username} ({user.role})")
        if password is None:
            print(f"password: {secret}")
    elif args.action == "remove":
        accounts.remove_user(args.name)
        print(f"removed {args.name} and its API tokens")
    elif args.action == "password":
        password = _read_password(args)
        from engine.accounts import new_password

        secret = password or new_password()
        accounts.set_password(args.name, secret, must_change=password is None)
        print(f"password of {args.name} changed")
        if password is None:
            print(f"one-time password: {secret}")
    elif args.action == "token":
        token = accounts.issue_token(args.name, args.token_name)
        print(token)
        print(
            f"(API token '{args.token_name}' for {args.name}: send 'Authorization: Bearer <token>'; shown once)",
            file=sys.stderr,
        )
    return 0


def configure_users(p: argparse.ArgumentParser) -> None:
    from engine.accounts import ROLES

    p.add_argument("action", choices=["add", "list", "remove", "password", "token"])
    p.add_argument("name", nargs="?", help="user name")
    p.add_argument("--role", choices=ROLES, default="viewer", help="with add: viewer (default), operator or admin")
    p.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    p.add_argument("--generate", action="store_true", help="generate a password even on a terminal")
    p.add_argument("--token-name", default="api", help="with token: a label for the token")
