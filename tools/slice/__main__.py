"""`python -m tools.slice NAME [--root DIR]`: writes app/features/NAME/ (the four files and a demo) and its test."""

import argparse
import keyword
import re
import sys
from pathlib import Path

from tools.slice.templates import FILES, SliceNames

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# verb_noun, lower case: the folder name is the slice's name, its OpenAPI operation and its test's name.
VALID_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)+$")


class SliceNameError(ValueError):
    """The name cannot be a new slice; the message says why."""


def check_name(name: str, root: Path) -> SliceNames:
    if not VALID_NAME.fullmatch(name):
        raise SliceNameError(f"{name!r} is not a slice name: use verb_noun in lower case, e.g. archive_task")
    if any(keyword.iskeyword(part) for part in name.split("_")):
        raise SliceNameError(f"{name!r} contains a Python keyword")
    if (root / "app" / "features" / name).exists():
        raise SliceNameError(f"app/features/{name} exists already; choose another name")
    if (root / "tests" / "features" / f"test_{name}.py").exists():
        raise SliceNameError(f"tests/features/test_{name}.py exists already; choose another name")
    return SliceNames(name)


def write_slice(names: SliceNames, root: Path) -> list[Path]:
    values = {"slice": names.slice, "model": names.model, "path": names.path, "tag": names.tag}
    written = []
    for template_path, template in FILES.items():
        target = root / template_path.format(**values)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template.format(**values))
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make slice", description=__doc__)
    parser.add_argument("name", help="the new slice's folder name, verb_noun (e.g. archive_task)")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="the project to write into")
    arguments = parser.parse_args(argv)
    try:
        names = check_name(arguments.name, arguments.root)
    except SliceNameError as error:
        print(f"make slice: {error}", file=sys.stderr)
        return 2
    for path in write_slice(names, arguments.root):
        print(f"wrote {path.relative_to(arguments.root)}")
    print(
        f"Next: write the TODOs (grep -rn 'TODO({names.slice})' app tests), then `make test`: "
        f"tests/features/test_{names.slice}.py fails until the slice works. The app mounts it already."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
