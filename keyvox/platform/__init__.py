"""Facts of the machine and process: the desktop session, hardware, the C heap, native stderr, user folders."""
