#!/bin/sh
# Makes a bare Git repository of the sample app (examples/ci/app), for the CI example to check out:
#   sh examples/ci/make-repo.sh /tmp/sample-app.git
#   caravan run examples/ci/pipeline.yml --param repo=file:///tmp/sample-app.git
set -eu
target="${1:?usage: make-repo.sh TARGET.git}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$here/app/." "$work/"
git -C "$work" init -q -b main
git -C "$work" add -A
git -C "$work" -c user.name="Caravan Example" -c user.email=example@caravan.invalid commit -q -m "Sample app"
rm -rf "$target"
git clone -q --bare "$work" "$target"
echo "$target"
