from keyvox.cli import main

raise SystemExit(main())
