"""Turn a data file into a valid model: strict YAML, field readers, the typed model, one
module per section type, the cross-checks, labels, locale formatting and the glyph check.
Imports no other stage."""
