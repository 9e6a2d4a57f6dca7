"""Config dataclasses as the one source of kprep's options: flags, help, defaults, config files.

A field declared with :func:`option` carries its help text and, when it is a command-line option,
its flag; :func:`add_flags` turns a dataclass's fields into argparse flags whose help shows the
dataclass default once, and whose parsed values are keyed ``section.field``. A config file
(TOML or YAML) has one table per section; :func:`merged` applies its values, or the flags', to a
config, checking every key and type, so a file and the command line set options the same way.
"""

from __future__ import annotations

import argparse
import dataclasses
import tomllib
import types
import typing
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A config file or value kprep cannot use; the message names the key and what to do."""


def option(
    default: Any = dataclasses.MISSING,
    *,
    help: str,  # noqa: A002 - argparse's name for it
    flag: bool | str = True,
    choices: Collection[str] | None = None,
    default_factory: Any = dataclasses.MISSING,
    unset: str | None = None,
) -> Any:
    """A dataclass field that documents itself; ``flag`` (True: ``--field-name``, or the flag
    itself, or False for config files only) makes it a command-line option, and ``unset`` says
    what a None default means."""
    metadata = {
        "help": help,
        "flag": flag,
        "choices": tuple(choices) if choices else None,
        "unset": unset,
    }
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)


def flag_of(field: dataclasses.Field) -> str | None:
    """The command-line flag of a config field, or None for a config-file-only field."""
    flag = field.metadata.get("flag", False)
    if flag is True:
        return "--" + field.name.replace("_", "-")
    return flag or None


def _default_text(field: dataclasses.Field, unset: str) -> str:
    missing = field.default is dataclasses.MISSING
    value = field.default_factory() if missing else field.default
    if value is None or value == []:
        return field.metadata.get("unset") or unset
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int) and value >= 10_000:
        return f"{value:,}"
    return str(value)


def _value_type(hint: Any) -> Any:
    """int for ``int | None``, list[str] stays list[str], ..."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    return hint


def _comma_list(item: type) -> Any:
    def parse(text: str) -> list[Any]:
        return [item(part) for part in text.split(",") if part]

    parse.__name__ = f"comma-separated {item.__name__}"
    return parse


def add_flags(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    config_class: type,
    section: str,
    only: Collection[str] | None = None,
    unset: str = "none",
) -> list[str]:
    """One flag per command-line field of ``config_class`` (or of those named in ``only``);
    returns the flags. Values land in ``args`` as ``"section.field"``, None when not given,
    so only the flags given override a config file. ``unset`` describes a None default."""
    hints = typing.get_type_hints(config_class)
    added = []
    for field in dataclasses.fields(config_class):
        flag = flag_of(field)
        if flag is None or (only is not None and field.name not in only):
            continue
        text = f"{field.metadata['help']} (default: {_default_text(field, unset)})"
        kind = _value_type(hints[field.name])
        kwargs: dict[str, Any] = {"dest": f"{section}.{field.name}", "default": None, "help": text}
        if kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(kind) is list:
            kwargs.update(type=_comma_list(typing.get_args(kind)[0]), metavar="A,B,...")
        elif field.metadata.get("choices"):
            kwargs.update(type=kind, choices=field.metadata["choices"])
        else:
            kwargs.update(type=kind, metavar=field.name.upper())
        parser.add_argument(flag, **kwargs)
        added.append(flag)
    return added


def flag_values(args: argparse.Namespace) -> dict[str, Any]:
    """The config flags that were given, as ``{"section.field": value}``."""
    return {key: value for key, value in vars(args).items() if "." in key and value is not None}


def load_config_file(path: str | Path) -> dict[str, Any]:
    """The sections of a TOML or YAML config file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} not found")
    try:
        if path.suffix == ".toml":
            return tomllib.loads(path.read_text(encoding="utf-8"))
        if path.suffix in (".yaml", ".yml"):
            return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: {err}") from err
    raise ConfigError(f"config file {path}: use .toml, .yaml or .yml")


def nested(dotted: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``; None values are left out."""
    out: dict[str, Any] = {}
    for key, value in dotted.items():
        if value is None:
            continue
        target = out
        *parents, leaf = key.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return out


def merged(instance: Any, values: dict[str, Any], where: str) -> Any:
    """A copy of a dataclass instance with ``values`` set, recursing into nested dataclasses."""
    fields = {f.name for f in dataclasses.fields(instance)}
    changes = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in fields:
            raise ConfigError(
                f"unknown option {key!r} in [{where}]; known options: {', '.join(sorted(fields))}"
            )
        current = getattr(instance, name)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"[{where}.{name}] must be a table of options")
            changes[name] = merged(current, value, f"{where}.{name}")
        else:
            changes[name] = _coerce(value, current, f"{where}.{name}")
    try:
        return dataclasses.replace(instance, **changes)
    except ValueError as err:  # a config's own validation names the bad value
        raise ConfigError(str(err)) from err


def _coerce(value: Any, current: Any, where: str) -> Any:
    if value is None:
        return None  # switches an optional rule off
    if isinstance(current, bool) and not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    if isinstance(current, int | float) and not isinstance(current, bool):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        if isinstance(current, int) and value != int(value):
            raise ConfigError(f"{where} must be a whole number, got {value!r}")
        return type(current)(value)
    if isinstance(current, list) and isinstance(value, str):
        return [part for part in value.split(",") if part]
    return value
