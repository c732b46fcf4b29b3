from keyvox.cli.entry import main

raise SystemExit(main())
