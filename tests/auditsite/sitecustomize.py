"""Installs tests/audit.py's hook in subprocesses started with tests.audit.subprocess_env()."""
import os
import sys

_log = os.environ.get("WHICHMODEL_AUDIT_LOG")
if _log:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from tests.audit import install

    install(log=_log)
