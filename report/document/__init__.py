"""Turn a data file into a valid model: strict YAML, field readers, the typed model,
section types, labels, locale formatting and the glyph check. Imports no other stage."""
