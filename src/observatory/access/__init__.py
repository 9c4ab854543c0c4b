"""Who may do what: local accounts, role profiles, sessions, API tokens and sign-in throttling.

The web app and the CLI use this package; the audit trail itself lives in ``observatory.meta.audit``.
"""
