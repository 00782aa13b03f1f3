"""``python -m seismo`` runs the command line."""

from seismo.cli import main

main()
