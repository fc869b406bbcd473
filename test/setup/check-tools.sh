#!/bin/sh
# Runs before `npm test`: the suite uses real tools, so say at once which are missing and how to get them.
missing=""
for t in bwrap setpriv prlimit pgrep faketime python3 make gcc g++ tar gzip b2sum dpkg-deb apt-get ruby gem redis-server redis-cli minisign umoci skopeo docker-registry diffoscope chromium; do
  command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
  pkgs=$(echo "$missing" | sed -e 's/bwrap/bubblewrap/' -e 's/ setpriv/ util-linux/' -e 's/ prlimit//' -e 's/ pgrep/ procps/' -e 's/ gem\b//' -e 's/ruby/ruby ruby-dev/' -e 's/ redis-cli//' -e 's/ b2sum/ coreutils/' -e 's/ dpkg-deb/ dpkg/' -e 's/ apt-get/ apt/' -e 's/ diffoscope/ diffoscope-minimal/')
  echo "bale tests need:$missing. On Debian: apt-get install$pkgs (.ci/run does this)" >&2
  exit 1
fi
# The seccomp test checks bale's syscall numbers against the kernel's own.
[ -f /usr/include/x86_64-linux-gnu/asm/unistd_64.h ] || { echo "bale tests need the kernel headers' syscall table: apt-get install linux-libc-dev (.ci/run does this)" >&2; exit 1; }
