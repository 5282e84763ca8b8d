"""Accounts, for admins: add (a generated password is shown once), disable, enable, change role."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from tidewatch.console.passwords import generate_password
from tidewatch.console.permissions import ROLES
from tidewatch.store.console_repo import ConsoleError, User
from tidewatch.web.deps import RepoDep, require
from tidewatch.web.pages import page, redirect

router = APIRouter()
Admin = Annotated[User, Depends(require("users.manage"))]


@router.get("/users")
def users(request: Request, repo: RepoDep, user: Admin):
    return page(request, "users.html", users=repo.list_users(), roles=ROLES, created=None)


@router.post("/users")
def add_user(request: Request, repo: RepoDep, user: Admin, username: Annotated[str, Form(max_length=80)] = "",
             role: Annotated[str, Form(max_length=20)] = "analyst"):
    password = generate_password()
    try:
        created = repo.add_user(username, password, role, user.username)
    except ConsoleError as e:
        return redirect(request, "/users", str(e), "error")
    return page(request, "users.html", users=repo.list_users(), roles=ROLES,
                created={"username": created.username, "role": created.role, "password": password})


@router.post("/users/{username}/disable")
def disable(request: Request, username: str, repo: RepoDep, user: Admin):
    try:
        repo.set_active(username, False, user.username)
    except ConsoleError as e:
        return redirect(request, "/users", str(e), "error")
    return redirect(request, "/users", f"Disabled {username}; their sessions are ended.")


@router.post("/users/{username}/enable")
def enable(request: Request, username: str, repo: RepoDep, user: Admin):
    try:
        repo.set_active(username, True, user.username)
    except ConsoleError as e:
        return redirect(request, "/users", str(e), "error")
    return redirect(request, "/users", f"Enabled {username}.")


@router.post("/users/{username}/role")
def change_role(request: Request, username: str, repo: RepoDep, user: Admin,
                role: Annotated[str, Form(max_length=20)] = ""):
    try:
        repo.set_role(username, role, user.username)
    except ConsoleError as e:
        return redirect(request, "/users", str(e), "error")
    return redirect(request, "/users", f"{username} is now {role}.")
