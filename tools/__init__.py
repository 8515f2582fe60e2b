"""Maintainer tools: notebook generators, the Colab/Binder repoint command."""
