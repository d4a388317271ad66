#!/usr/bin/env bash
# make deb: the Debian package, built by dpkg-buildpackage with debhelper
# (debian/) from a copy of the tree in build/deb/VERSION, so that it
# neither cleans build/ nor writes beside the tree; then checked with
# lintian, which must find no error or warning.
#
#   tools/deb.sh VERSION [DIR]
#
# VERSION is the project's (NODE_VERSION in node/node.h) unless make deb
# was given DEB_VERSION; one that debian/changelog does not have gets an
# entry of its own in the copy. node_VERSION_ARCH.deb is copied to DIR
# (default: the top of the tree, replacing any other node_*.deb there,
# so that "apt install ./node_*.deb" names one package).
set -eu
cd "$(dirname "$0")/.."
version=${1:?usage: tools/deb.sh VERSION [DIR]}
dest=${2:-.}
arch=$(dpkg --print-architecture)
out=build/deb/$version
src=$out/node-$version
deb=node_${version}_${arch}.deb

rm -rf "$out"
mkdir -p "$src"
tar -cf - --exclude=./build --exclude='./node_*.deb' --exclude-vcs \
    --exclude-vcs-ignores . | tar -xf - -C "$src"

if [ "$(dpkg-parsechangelog -l debian/changelog -S Version)" != "$version" ]; then
	who=$(sed -n 's/^Maintainer: //p' debian/control)
	{
		printf 'node (%s) bookworm; urgency=medium\n\n' "$version"
		printf '  * Built by make deb from the tree of release %s.\n\n' \
		    "$(dpkg-parsechangelog -l debian/changelog -S Version)"
		printf ' -- %s  %s\n\n' "$who" "$(date -R)"
		cat debian/changelog
	} >"$src/debian/changelog"
fi

echo "  DEB     $out/$deb (log: $out/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -J2) >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log"
	echo "make deb: dpkg-buildpackage failed; the whole log: $out/build.log" >&2
	exit 1
fi
echo "  LINTIAN $out/node_${version}_${arch}.changes"
lintian --info --fail-on error,warning "$out/node_${version}_${arch}.changes"

if [ "$dest" = . ]; then
	rm -f ./node_*.deb
fi
cp "$out/$deb" "$dest/"
echo "$dest/$deb"
