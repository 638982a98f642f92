#!/bin/sh
# Usage: build-busybox-image.sh IMAGE — imports a busybox-only rootfs as IMAGE unless it exists.
set -eu
image=$1
if podman image exists "$image"; then exit 0; fi
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "busybox is not installed: apt-get install busybox-static" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
tar -C "$root" -c . | podman import --quiet --change 'CMD ["/bin/sh"]' - "$image" >/dev/null
