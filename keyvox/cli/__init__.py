"""The command line: the fast path for control words (entry), the parser (main), one module per command."""
