#!/bin/sh
# Every C source file of the project must include banned.h (last), so that
# unsafe libc functions are compile errors everywhere.
root=${1:-.}
fail=0
for f in $(cd "$root" && git ls-files '*.c' 2>/dev/null || find . -name '*.c'); do
	case "$f" in
	tests/*|bench/*|fuzz/*) continue ;;
	esac
	if ! grep -q '#include "banned.h"' "$root/$f"; then
		echo "FAIL: $f does not include banned.h"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "all sources include banned.h"
exit $fail
