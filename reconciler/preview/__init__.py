"""Draw push creatives as iOS and Android show them (SVG, PNG, HTML)."""
