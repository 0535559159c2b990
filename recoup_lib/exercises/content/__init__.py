"""The exercises' questions: every module ``exNN_name`` here registers one exercise on import."""

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if _info.name.startswith("ex"):
        importlib.import_module(f"{__name__}.{_info.name}")
