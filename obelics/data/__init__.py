"""Data shipped with the package: bundled pipeline files and the demo's sample pages."""
