"""
What every app may use, importing no app of ours: a leaf beside audit (DESIGN.md).
"""
