from obelics.cli import main

raise SystemExit(main())
