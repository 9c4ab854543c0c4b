"""The catalogue: assets, data dictionary, glossary, information asset register, lineage, search and exports.

``populate(obs)`` (run by every build) fills it; ``search``, ``lineage``, ``edit_asset`` and the exports read
and change it. Everything lives in the metadata store.
"""
