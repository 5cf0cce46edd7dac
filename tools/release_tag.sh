#!/usr/bin/env bash
# Tag the dlmath release of src/dlmath/__init__.py (v0.2.0) when its version changes, so that each chapter's
# setup cell, which installs "dlmath @ git+REPOSITORY@v<version>" on Colab, finds the package it was written for.
# Run by .github/workflows/release.yml on every push to main; `--dry-run` only says what it would do.
# If the tag exists but src/dlmath or pyproject.toml changed since, the version must be bumped: a notebook
# pinned to that tag would otherwise install a package that lacks what the notebook uses.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
dry_run=${1:-}
version=$(sed -n 's/^__version__ = "\([^"]*\)"$/\1/p' src/dlmath/__init__.py)
[[ -n "$version" ]] || { echo "no __version__ in src/dlmath/__init__.py" >&2; exit 1; }
tag="v$version"
if git rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
  if ! git diff --quiet "$tag" HEAD -- src/dlmath pyproject.toml; then
    echo "src/dlmath changed since $tag, but __version__ is still $version: bump __version__ in" \
         "src/dlmath/__init__.py and run 'make selfcheck' (it rewrites every chapter's setup cell)" >&2
    exit 1
  fi
  echo "$tag already tags this package"
  exit 0
fi
if [[ "$dry_run" == "--dry-run" ]]; then
  echo "would tag $tag"
  exit 0
fi
git tag -a "$tag" -m "dlmath $version"
git push origin "refs/tags/$tag"
echo "tagged $tag"
