#!/usr/bin/env python3
# split.py CONSOLE DIR: the "=== BEGIN name" ... "=== END name" sections of a
# capture's console into DIR/name.txt (spaces in name become _), kernel log
# lines ("[    1.234] ...") left out.
import os
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
cur, buf = None, []
for line in open(src, errors='replace'):
    line = line.rstrip('\r\n')
    m = re.match(r'=== BEGIN (.*)$', line)
    if m:
        cur, buf = m.group(1).replace(' ', '_'), []
        continue
    if re.match(r'=== END ', line):
        with open(os.path.join(dst, cur + '.txt'), 'w') as f:
            f.write('\n'.join(buf) + '\n')
        cur = None
        continue
    if cur is not None and not re.match(r'^\[\s*\d+\.\d+\] ', line):
        buf.append(line)
