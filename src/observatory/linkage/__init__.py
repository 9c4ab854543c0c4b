"""Person and household linkage: the single view of the resident (``observatory link``)."""
