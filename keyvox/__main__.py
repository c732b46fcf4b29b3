from keyvox.entry import main

raise SystemExit(main())
