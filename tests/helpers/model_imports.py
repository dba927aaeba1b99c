"""Print, as JSON, the third-party top-level modules imported anywhere under a folder.

Usage: python3 model_imports.py <folder>  ->  {"torch": ["models/train/common.py", ...], ...}

Every import statement counts, wherever it is (module level, inside functions, under `if`), since
any of them can fail at run time. Left out: the standard library, relative imports, and the
project's own modules (a `.py` file or folder of that name anywhere under the folder, because the
scripts put their siblings on sys.path), and the folder's own package name.
"""
import ast
import json
import os
import sys

root = os.path.abspath(sys.argv[1])
base = os.path.dirname(root)
files = []
local = {os.path.basename(root), '__future__'}
for folder, dirs, names in os.walk(root):
    dirs[:] = [d for d in dirs if not d.startswith('.') and d != '__pycache__']
    local.update(dirs)
    for name in names:
        if name.endswith('.py'):
            files.append(os.path.join(folder, name))
            local.add(name[:-3])

found = {}
for path in sorted(files):
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), filename=path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split('.')[0]
            if top in sys.stdlib_module_names or top in local:
                continue
            found.setdefault(top, set()).add(os.path.relpath(path, base))

json.dump({m: sorted(p) for m, p in sorted(found.items())}, sys.stdout)
