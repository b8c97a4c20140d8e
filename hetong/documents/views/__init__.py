"""The document pages, one module per subject: templates, the clause library (and contract documents)."""
